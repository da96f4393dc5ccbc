namespace TestingTests;

/// <summary>TestLoop.WaitAllTasksBlockedAsync (Trio's wait_all_tasks_blocked; test_testing.py).</summary>
public class WaitAllTasksBlockedTests
{
    static void RunTest(Func<Task> body, VirtualClock? clock = null) => OnFreshThread(() => TestLoop.Run(body, null, clock));

    [Fact]
    public void Returns_only_when_no_other_task_can_run_and_equal_waiters_wake_together()
    {
        var record = new List<string>();
        RunTest(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < 10; i++)
                        await Checkpoint.YieldAsync();
                    record.Add("busy bee exhausted");
                });
                n.StartSoon(async () => { await TestLoop.WaitAllTasksBlockedAsync(); record.Add("quiet at last"); });
                n.StartSoon(async () => { await TestLoop.WaitAllTasksBlockedAsync(); record.Add("quiet at last"); });
            });
        });
        Assert.Equal(new[] { "busy bee exhausted", "quiet at last", "quiet at last" }, record);
    }

    [Fact]
    public void A_cancelled_wait_throws_Cancelled()
    {
        var record = new List<string>();
        RunTest(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    try { await TestLoop.WaitAllTasksBlockedAsync(); }
                    catch (Cancelled) { record.Add("ok"); throw; }
                });
                await Checkpoint.YieldAsync();
                n.CancelScope.Cancel();
            });
        });
        Assert.Equal(new[] { "ok" }, record);
    }

    [Fact]
    public void Timers_made_due_by_Advance_run_before_idle_waiters_wake()
    {
        var record = new List<string>();
        var clock = new VirtualClock();
        RunTest(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    record.Add("tt start");
                    await Time.SleepAsync(S(5));
                    record.Add("tt finished");
                });
                await TestLoop.WaitAllTasksBlockedAsync();
                Assert.Equal(new[] { "tt start" }, record);
                clock.Advance(S(10));
                await TestLoop.WaitAllTasksBlockedAsync();
                Assert.Equal(new[] { "tt start", "tt finished" }, record);
            });
        }, clock);
    }

    [Fact]
    public void Smaller_cushions_wake_first_and_an_autojump_clock_does_not_move_while_anybody_waits()
    {
        // Trio's test_wait_all_tasks_blocked_with_cushion on MockClock(autojump_threshold=0): idle waiters beat
        // autojump, so every waiter wakes (smallest cushion first) before the clock jumps to the sleeps.
        var record = new List<string>();
        RunTest(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    record.Add("blink start");
                    await Time.SleepAsync(TimeSpan.FromMilliseconds(10));
                    await Time.SleepAsync(TimeSpan.FromMilliseconds(10));
                    await Time.SleepAsync(TimeSpan.FromMilliseconds(10));
                    record.Add("blink end");
                });
                n.StartSoon(async () => { await TestLoop.WaitAllTasksBlockedAsync(); record.Add("no cushion at " + Time.Now.TotalMilliseconds); });
                n.StartSoon(async () => { await TestLoop.WaitAllTasksBlockedAsync(TimeSpan.FromMilliseconds(20)); record.Add("small cushion at " + Time.Now.TotalMilliseconds); });
                n.StartSoon(async () => { await TestLoop.WaitAllTasksBlockedAsync(TimeSpan.FromMilliseconds(20)); record.Add("small cushion at " + Time.Now.TotalMilliseconds); });
                n.StartSoon(async () => { await TestLoop.WaitAllTasksBlockedAsync(TimeSpan.FromMilliseconds(30)); record.Add("big cushion at " + Time.Now.TotalMilliseconds); });
            });
        });
        Assert.Equal(new[] { "blink start", "no cushion at 0", "small cushion at 0", "small cushion at 0", "big cushion at 0", "blink end" }, record);
    }

    [Fact]
    public void Autojump_does_not_jump_past_a_cushion_even_when_a_timer_is_due_within_it()
    {
        // A ticker due every virtual millisecond, forever: before, each tick was "within the cushion" and the
        // clock jumped from tick to tick, so the waiter never woke.
        TimeSpan wokeAt = TimeSpan.MinValue;
        int ticks = 0;
        RunTest(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    while (true)
                    {
                        await Time.SleepAsync(TimeSpan.FromMilliseconds(1));
                        ticks++;
                    }
                });
                await TestLoop.WaitAllTasksBlockedAsync(TimeSpan.FromMilliseconds(5));
                wokeAt = Time.Now;
                n.CancelScope.Cancel();
            });
        });
        Assert.Equal(TimeSpan.Zero, wokeAt);
        Assert.Equal(0, ticks);
    }

    [Fact]
    public void Works_on_a_plain_Loop_too()
    {
        var record = new List<string>();
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { await Checkpoint.YieldAsync(); record.Add("worker"); });
                await TestLoop.WaitAllTasksBlockedAsync();
                record.Add("after");
            });
        });
        Assert.Equal(new[] { "worker", "after" }, record);
    }

    [Fact]
    public void A_negative_cushion_throws_ArgumentOutOfRangeException()
    {
        Exception? e = null;
        RunTest(async () => e = await Catch(async () => await TestLoop.WaitAllTasksBlockedAsync(TimeSpan.FromSeconds(-1))));
        Assert.IsType<ArgumentOutOfRangeException>(e);
    }

    [Fact]
    public void Off_the_loop_it_throws_InvalidOperationException()
    {
        // Synchronously, at the call: there is no loop to wait on.
        var e = Record.Exception(() => { _ = TestLoop.WaitAllTasksBlockedAsync().AsTask(); });
        Assert.IsType<InvalidOperationException>(e);
    }
}
