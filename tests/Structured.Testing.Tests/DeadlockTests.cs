namespace TestingTests;

/// <summary>DeadlockException: every task blocked, nothing pending that could wake one (DESIGN.md, Testing).</summary>
public class DeadlockTests
{
    static Exception? RunCatching(Func<Task> body, VirtualClock? clock = null)
    {
        try
        {
            OnFreshThread(() => TestLoop.Run(body, null, clock));
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    [Fact]
    public void Waiting_for_an_event_nobody_sets_is_a_deadlock_that_names_the_task_and_the_event()
    {
        var e = RunCatching(async () =>
        {
            var never = new Event();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await never.WaitAsync(), "forlorn-waiter");
            });
        });
        var deadlock = Assert.IsType<DeadlockException>(e);
        Assert.Contains("'forlorn-waiter' waits on Event.WaitAsync", deadlock.Message, StringComparison.Ordinal);
        Assert.Contains("'main' waits on its nursery's children", deadlock.Message, StringComparison.Ordinal);
        Assert.Contains("forlorn-waiter", deadlock.TaskTree, StringComparison.Ordinal);
        Assert.Equal(2, deadlock.BlockedTasks.Count);
        Assert.NotNull(deadlock.Trace);
        Assert.Contains(deadlock.Trace!, s => s.TaskName == "forlorn-waiter" && s.WaitingOn == "Event.WaitAsync");
    }

    [Fact]
    public void A_pending_timer_is_not_a_deadlock()
    {
        var e = RunCatching(async () =>
        {
            var later = new Event();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await later.WaitAsync(), "patient");
                n.StartSoon(async () => { await Time.SleepAsync(TimeSpan.FromHours(5)); later.Set(); }, "alarm");
            });
        });
        Assert.Null(e);
    }

    [Fact]
    public void Sleeping_forever_with_nothing_else_to_run_is_a_deadlock()
    {
        var e = RunCatching(async () => await Time.SleepForeverAsync());
        var deadlock = Assert.IsType<DeadlockException>(e);
        Assert.Contains("'main' waits on Time.SleepForeverAsync", deadlock.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deadlock_under_some_schedule_is_a_property_failure()
    {
        // Under FIFO the waiter is parked before the setter runs; the setter only sets when it ran first.
        var e = Assert.Throws<ConcurrencyPropertyException>(() => ConcurrencyProperty.ForAll(async () =>
        {
            var ready = new Event();
            bool waiting = false;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { waiting = true; await ready.WaitAsync(); }, "consumer");
                n.StartSoon(async () => { if (waiting) ready.Set(); await Checkpoint.YieldAsync(); }, "producer");
            });
        }, seed: 1));
        Assert.IsType<DeadlockException>(e.InnerException);
        Assert.Contains("consumer", e.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { 1 }, e.Choices);
    }
}
