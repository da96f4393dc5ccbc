namespace LoopTests;

// Issue 12, items 3 and 13: a running VirtualClock fires its BCL timers by itself; its timers meet ITimer's contract.
public class RunningClockTests
{
    sealed class IdleCounter : IInstrument
    {
        public int Idles;
        public void BeforeIdle(TimeSpan timeout) => Idles++;
    }

    [Fact]
    public void On_the_loop_Task_Delay_PeriodicTimer_and_CancellationTokenSource_fire_as_running_time_passes()
    {
        // 1,000 virtual seconds per real second: 3 virtual seconds take about 3 ms of real time.
        var clock = new VirtualClock { Rate = 1000 };
        var idle = new IdleCounter();
        int ticks = 0;
        bool cancelled = false;
        Run(async () =>
        {
            using var cts = new CancellationTokenSource(S(1), clock);
            await Task.Delay(S(2), clock);
            cancelled = cts.IsCancellationRequested;
            using var periodic = new PeriodicTimer(S(0.5), clock);
            while (ticks < 3 && await periodic.WaitForNextTickAsync())
                ticks++;
        }, new LoopOptions { Clock = clock, Instruments = [idle] });
        Assert.True(cancelled);
        Assert.Equal(3, ticks);
        Assert.True(clock.Now >= S(3.5));
        // The idle loop sleeps until the next timer instead of spinning (a few waits per timer, not thousands).
        Assert.InRange(idle.Idles, 1, 100);
    }

    [Fact]
    public void Off_the_loop_a_timer_on_a_running_clock_fires_by_itself()
    {
        var clock = new VirtualClock { Rate = 1000 };
        using var fired = new ManualResetEventSlim();
        using var timer = clock.CreateTimer(_ => fired.Set(), null, S(1), Timeout.InfiniteTimeSpan);
        Assert.True(fired.Wait(Watchdog));
        Assert.True(clock.Now >= S(1));
    }

    [Fact]
    public void Off_the_loop_Task_Delay_on_a_running_clock_completes_by_itself()
    {
        var clock = new VirtualClock { Rate = 1000 };
        OffLoop(async () => await Task.Delay(S(2), clock));
        Assert.True(clock.Now >= S(2));
    }

    [Fact]
    public void A_timer_created_with_due_time_zero_fires_at_once()
    {
        var clock = new VirtualClock();
        int fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        Assert.Equal(1, fired);
        Assert.Equal(TimeSpan.Zero, clock.Now);
    }

    [Fact]
    public void A_timer_changed_to_due_time_zero_fires_at_once_and_then_keeps_its_period()
    {
        var clock = new VirtualClock();
        int fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Assert.Equal(0, fired);
        Assert.True(timer.Change(TimeSpan.Zero, S(1)));
        Assert.Equal(1, fired);
        clock.Advance(S(1));
        Assert.Equal(2, fired);
    }

    [Fact]
    public void On_the_loop_a_timer_with_due_time_zero_fires_without_the_clock_moving()
    {
        bool fired = false;
        var clock = new VirtualClock(); // never moves by itself
        Run(async () =>
        {
            using var timer = clock.CreateTimer(_ => fired = true, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            await Checkpoint.YieldAsync();
        }, new LoopOptions { Clock = clock });
        Assert.True(fired);
        Assert.Equal(TimeSpan.Zero, clock.Now);
    }

    [Fact]
    public void Change_rejects_due_times_and_periods_above_uint_MaxValue_minus_one_milliseconds()
    {
        var clock = new VirtualClock();
        var max = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
        var tooLong = max + TimeSpan.FromMilliseconds(1);
        using var timer = clock.CreateTimer(_ => { }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Assert.Throws<ArgumentOutOfRangeException>("dueTime", () => timer.Change(tooLong, Timeout.InfiniteTimeSpan));
        Assert.Throws<ArgumentOutOfRangeException>("period", () => timer.Change(S(1), tooLong));
        Assert.Throws<ArgumentOutOfRangeException>("dueTime", () => clock.CreateTimer(_ => { }, null, TimeSpan.MaxValue, Timeout.InfiniteTimeSpan));
        Assert.True(timer.Change(max, max));
        Assert.True(timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
    }
}
