namespace NurseryTests;

// Issue 25, item 6: every API of the library that takes a duration or a deadline as a TimeSpan reads
// Timeout.InfiniteTimeSpan (and TimeSpan.MaxValue) as "none", as the BCL does; other negative durations are refused.
// On a virtual autojump clock: a sleep "forever" ends only by its cancellation, at an exact virtual time.
public class InfiniteTimeoutTests
{
    static readonly TimeSpan[] Infinite = [Timeout.InfiniteTimeSpan, TimeSpan.MaxValue];

    /// <summary>Runs <paramref name="wait"/> in a scope cancelled after 1 hour of virtual time; returns how long it ran and whether that scope ended it.</summary>
    static (TimeSpan Ran, bool Cancelled) RunForAnHour(Func<Task> wait)
    {
        TimeSpan ran = default;
        bool cancelled = false;
        Run(async () =>
        {
            await Time.SleepAsync(S(10)); // the clock is not at zero: -1 ms is not "just before now"
            var start = Time.Now;
            var scope = CancelScope.MoveOnAfter(TimeSpan.FromHours(1));
            await scope.RunAsync(wait);
            ran = Time.Now - start;
            cancelled = scope.CancelledCaught;
        });
        return (ran, cancelled);
    }

    [Fact]
    public void Sleeps_with_an_infinite_duration_or_deadline_sleep_until_cancelled()
    {
        foreach (var infinite in Infinite)
        {
            Assert.Equal((TimeSpan.FromHours(1), true), RunForAnHour(async () => await Time.SleepAsync(infinite)));
            Assert.Equal((TimeSpan.FromHours(1), true), RunForAnHour(async () => await Time.SleepUntilAsync(infinite)));
            Assert.Equal((TimeSpan.FromHours(1), true), RunForAnHour(async () => await Time.SleepUntilAsync(infinite, CancellationToken.None)));
        }
    }

    [Fact]
    public void Scopes_with_an_infinite_timeout_or_deadline_have_none()
    {
        foreach (var infinite in Infinite)
        {
            var scopes = new Func<CancelScope>[]
            {
                () => CancelScope.MoveOnAfter(infinite),
                () => CancelScope.MoveOnAt(infinite),
                () => new CancelScope(infinite),
                () => new CancelScope { Deadline = infinite },
            };
            foreach (var make in scopes)
            {
                var (ran, cancelled) = RunForAnHour(async () =>
                {
                    var inner = make();
                    await inner.RunAsync(async () => await Time.SleepForeverAsync());
                    Assert.False(inner.CancelledCaught);
                });
                Assert.Equal((TimeSpan.FromHours(1), true), (ran, cancelled));
            }
            Assert.Equal((TimeSpan.FromHours(1), true), RunForAnHour(() => CancelScope.FailAfter(infinite, async () => await Time.SleepForeverAsync())));
            Assert.Equal((TimeSpan.FromHours(1), true), RunForAnHour(() => CancelScope.FailAt(infinite, async () => await Time.SleepForeverAsync())));
            Assert.Equal((TimeSpan.FromHours(1), true), RunForAnHour(() => CancelScope.FailAfter(infinite, async () => { await Time.SleepForeverAsync(); return 1; })));
            Assert.Equal((TimeSpan.FromHours(1), true), RunForAnHour(() => CancelScope.FailAfter(infinite, () => Time.SleepForeverAsync())));
        }
    }

    [Fact]
    public void Other_negative_durations_are_refused_by_every_duration_API()
    {
        var negative = TimeSpan.FromMilliseconds(-2);
        Run(async () =>
        {
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Time.SleepAsync(negative));
            Assert.Throws<ArgumentOutOfRangeException>(() => CancelScope.MoveOnAfter(negative));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => CancelScope.FailAfter(negative, () => Task.CompletedTask));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => CancelScope.FailAfter(negative, () => Task.FromResult(1)));
        });
    }
}
