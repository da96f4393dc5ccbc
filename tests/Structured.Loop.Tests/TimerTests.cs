namespace LoopTests;

public class TimerTests
{
    [Fact]
    public void A_thousand_tasks_sleeping_one_virtual_hour_advance_the_clock_by_exactly_one_hour()
    {
        var clock = AutoClock();
        TimeSpan start = default, end = default;
        int woke = 0;
        Run(async () =>
        {
            start = Time.Now;
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 1000; i++)
                    n.StartSoon(async () => { await Time.SleepAsync(TimeSpan.FromHours(1)); woke++; });
            });
            end = Time.Now;
        }, new LoopOptions { Clock = clock });
        Assert.Equal(1000, woke);
        Assert.Equal(TimeSpan.FromHours(1), end - start);
    }

    [Fact]
    public void Timers_fire_in_deadline_order_and_ties_in_arming_order()
    {
        var record = new List<string>();
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                foreach (var (name, secs) in new[] { ("c", 3.0), ("a", 1.0), ("t1", 2.0), ("b", 1.5), ("t2", 2.0), ("t3", 2.0) })
                    n.StartSoon(async () => { await Time.SleepAsync(S(secs)); record.Add(name); });
            });
        });
        Assert.Equal(new[] { "a", "b", "t1", "t2", "t3", "c" }, record);
    }

    [Fact]
    public void A_cancelled_sleep_leaves_no_timer_behind()
    {
        int pendingAfter = -1;
        Run(async () =>
        {
            for (int i = 0; i < 100; i++)
                await CancelScope.MoveOnAfter(S(1)).RunAsync(async () => await Time.SleepAsync(S(1000)));
            pendingAfter = Loop.Current!.Statistics.TimersPending;
        });
        Assert.Equal(0, pendingAfter);
    }

    [Fact]
    public void Expired_timers_run_on_every_turn_even_when_tasks_stay_busy()
    {
        var clock = new VirtualClock();
        bool sleeperDone = false;
        int spins = 0;
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { await Time.SleepAsync(S(5)); sleeperDone = true; });
                await Checkpoint.YieldAsync();
                clock.Advance(S(5));
                while (!sleeperDone && spins < 100) { spins++; await Checkpoint.YieldAsync(); }
            });
        }, new LoopOptions { Clock = clock });
        Assert.True(sleeperDone);
        Assert.InRange(spins, 1, 3);
    }

    [Fact]
    public void A_sleep_off_the_loop_uses_the_system_clock()
    {
        OffLoop(async () =>
        {
            var before = Time.Now;
            await Time.SleepAsync(TimeSpan.FromMilliseconds(20));
            Assert.True(Time.Now - before >= TimeSpan.FromMilliseconds(19));
        });
    }

    [Fact]
    public void A_negative_sleep_throws_ArgumentOutOfRangeException()
        => Run(async () => await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Time.SleepAsync(S(-1))));
}
