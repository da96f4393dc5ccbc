namespace LoopTests;

public class ClockTests
{
    [Fact]
    public void A_new_virtual_clock_never_jumps_by_itself()
    {
        var clock = new VirtualClock();
        Assert.Equal(Timeout.InfiniteTimeSpan, clock.AutojumpThreshold);
        Assert.Equal(TimeSpan.Zero, clock.Now);
        clock.Advance(S(2.5));
        Assert.Equal(S(2.5), clock.Now);
    }

    [Fact]
    public void Advance_by_a_negative_amount_throws_and_time_stays()
    {
        var clock = new VirtualClock();
        clock.Advance(S(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Advance(S(-1)));
        Assert.Equal(S(1), clock.Now);
    }

    [Fact]
    public void Invalid_threshold_and_rate_throw_ArgumentOutOfRangeException()
    {
        var clock = new VirtualClock();
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.AutojumpThreshold = S(-2));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Rate = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Rate = double.NaN);
    }

    [Fact]
    public void Loop_Clock_is_the_instance_given_in_the_options()
    {
        var clock = AutoClock();
        TimeProvider? seen = null;
        Run(async () => { seen = Loop.Current!.Clock; await Checkpoint.YieldAsync(); }, new LoopOptions { Clock = clock });
        Assert.Same(clock, seen);
    }

    [Fact]
    public void Task_Delay_and_CancellationTokenSource_on_the_loop_clock_run_on_virtual_time_and_count_for_autojump()
    {
        TimeSpan delayed = default;
        bool cancelledAt2 = false;
        Run(async () =>
        {
            var clock = Loop.Current!.Clock;
            var start = Time.Now;
            using var cts = new CancellationTokenSource(S(2), clock);
            await Task.Delay(S(3), clock);
            delayed = Time.Now - start;
            cancelledAt2 = cts.IsCancellationRequested;
        });
        Assert.Equal(S(3), delayed);
        Assert.True(cancelledAt2);
    }

    [Fact]
    public void A_periodic_timer_on_the_loop_clock_ticks_on_virtual_time()
    {
        var ticks = new List<TimeSpan>();
        Run(async () =>
        {
            var start = Time.Now;
            using var timer = new PeriodicTimer(S(10), Loop.Current!.Clock);
            for (int i = 0; i < 3; i++)
            {
                await timer.WaitForNextTickAsync();
                ticks.Add(Time.Now - start);
            }
        });
        Assert.Equal(new[] { S(10), S(20), S(30) }, ticks);
    }

    [Fact]
    public void Advance_from_another_thread_wakes_an_idle_loop_on_a_manual_clock()
    {
        var clock = new VirtualClock();
        TimeSpan slept = default;
        Run(async () =>
        {
            var loop = Loop.Current!;
            var start = Time.Now;
            // The loop has nothing to jump to by itself; once the sleep's timer is armed, another thread advances.
            var helper = new Thread(() =>
            {
                SpinWait.SpinUntil(() => loop.Statistics.TimersPending == 1);
                clock.Advance(S(7));
            }) { IsBackground = true };
            helper.Start();
            await Time.SleepAsync(S(7));
            slept = Time.Now - start;
        }, new LoopOptions { Clock = clock });
        Assert.Equal(S(7), slept);
    }

    [Fact]
    public void A_clock_rate_moves_virtual_time_with_real_time()
    {
        var clock = new VirtualClock { Rate = 1000 };
        var before = clock.Now;
        SpinWait.SpinUntil(() => clock.Now - before >= S(1), Watchdog);
        Assert.True(clock.Now - before >= S(1));
    }
}
