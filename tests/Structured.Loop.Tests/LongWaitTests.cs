namespace LoopTests;

// Issue 12, item 14: any timeout up to TimeSpan.MaxValue works on the loop.
public class LongWaitTests
{
    /// <summary>
    /// Once the loop is inside its idle wait (not before: the wait itself is what is tested), cancels the scope
    /// from another thread; the cross-thread cancel is a post, which wakes the wait.
    /// </summary>
    sealed class CancelWhenIdle(Func<CancelScope?> scope) : IInstrument
    {
        public readonly List<TimeSpan> Timeouts = [];

        public void BeforeIdle(TimeSpan timeout)
        {
            Timeouts.Add(timeout);
            var loop = Loop.Current!;
            if (Timeouts.Count == 1 && scope() is { } s)
            {
                new Thread(() =>
                {
                    while (!loop.IsWaitingForWork)
                        Thread.Yield();
                    s.Cancel("idle");
                }).Start();
            }
        }
    }

    [Theory]
    [InlineData(30.0)]
    [InlineData(365.0 * 100)]
    public void An_idle_loop_on_the_system_clock_with_a_timer_months_away_waits_instead_of_crashing(double days)
    {
        CancelScope? scope = null;
        var idle = new CancelWhenIdle(() => scope);
        Run(async () =>
        {
            scope = new CancelScope();
            await scope.RunAsync(async () => await Time.SleepAsync(TimeSpan.FromDays(days)));
        }, new LoopOptions { Instruments = [idle] });
        Assert.NotEmpty(idle.Timeouts);
        Assert.True(idle.Timeouts[0] > TimeSpan.FromDays(29));
    }

    [Fact]
    public void An_idle_loop_on_a_running_virtual_clock_with_a_far_timer_waits_instead_of_crashing()
    {
        CancelScope? scope = null;
        var idle = new CancelWhenIdle(() => scope);
        var clock = new VirtualClock { Rate = 1 };
        Run(async () =>
        {
            scope = new CancelScope();
            await scope.RunAsync(async () => await Task.Delay(TimeSpan.FromDays(40), clock).WaitAsync(CancelScope.CurrentToken));
        }, new LoopOptions { Clock = clock, Instruments = [idle] });
        Assert.NotEmpty(idle.Timeouts);
    }

    [Fact]
    public void Deadlines_and_sleeps_up_to_TimeSpan_MaxValue_work_on_the_loop()
    {
        Run(async () =>
        {
            var scope = CancelScope.MoveOnAfter(TimeSpan.MaxValue - TimeSpan.FromTicks(1));
            await scope.RunAsync(async () => await Time.SleepAsync(TimeSpan.FromDays(1)));
            Assert.False(scope.CancelledCaught);
            await Time.SleepAsync(TimeSpan.FromDays(365 * 1000));
        });
    }
}
