namespace ChannelsTests;

// Issue 25, item 6: Timeout.InfiniteTimeSpan means "no timeout" for a select's timeout, as it does for MoveOnAfter,
// Time.SleepAsync and every BCL API; it threw ArgumentOutOfRangeException. On a virtual autojump clock: exact.
public class SelectInfiniteTimeoutTests
{
    [Theory]
    [InlineData(-10_000)] // Timeout.InfiniteTimeSpan, in ticks
    [InlineData(long.MaxValue)] // TimeSpan.MaxValue
    public void An_infinite_select_timeout_never_fires_and_the_select_waits_for_its_branch(long ticks)
    {
        var infinite = TimeSpan.FromTicks(ticks);
        string? got = null;
        bool timedOut = false;
        TimeSpan waited = default;
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    await Time.SleepAsync(TimeSpan.FromDays(400)); // longer than any finite timeout a timer takes
                    await s.SendAsync(7);
                });
                var start = Time.Now;
                got = await Select.Receive(r, x => $"item {x}").Timeout(infinite, () => { timedOut = true; return "timeout"; }).RunAsync();
                waited = Time.Now - start;
            });
        });
        Assert.Equal("item 7", got);
        Assert.False(timedOut);
        Assert.Equal(TimeSpan.FromDays(400), waited);
    }

    [Fact]
    public void An_infinite_select_timeout_still_takes_the_place_of_OrElse_and_a_select_stays_cancellable()
    {
        string? got = "unset";
        Run(async () =>
        {
            var (_, r) = MemoryChannel.Create<int>(0);
            Assert.Throws<InvalidOperationException>(() => Select.Receive(r, x => "item").Timeout(Timeout.InfiniteTimeSpan, () => "t").OrElse(() => "else"));
            var scope = CancelScope.MoveOnAfter(S(3));
            await scope.RunAsync(async () => got = await Select.Receive(r, x => "item").Timeout(Timeout.InfiniteTimeSpan, () => "timeout").RunAsync());
            Assert.True(scope.CancelledCaught);
        });
        Assert.Equal("unset", got);
    }

    [Fact]
    public void A_negative_select_timeout_other_than_infinite_is_still_refused_with_the_fix()
    {
        Run(async () =>
        {
            var (_, r) = MemoryChannel.Create<int>(0);
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Select.Receive(r, x => x).Timeout(TimeSpan.FromMilliseconds(-2), () => 0));
            Assert.Equal("after", e.ParamName);
            Assert.Contains("Timeout.InfiniteTimeSpan", e.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentOutOfRangeException>(() => Select.Receive(r, x => x).Timeout(TimeSpan.FromTicks(-1), () => 0));
            await Task.CompletedTask;
        });
    }
}
