using static SyncTests.SyncHarness;

namespace SyncTests;

public class ConditionTests
{
    [Fact]
    public void Wait_and_notify_need_the_lock()
    {
        Run(async () =>
        {
            var c = new Condition();
            Assert.False(c.Lock.IsLocked);
            Assert.IsType<InvalidOperationException>(CatchSync(() => c.Notify()));
            Assert.IsType<InvalidOperationException>(CatchSync(() => c.NotifyAll()));
            Assert.IsType<InvalidOperationException>(await Catch(async () => await c.WaitAsync()));
            using (await c.Lock.AcquireAsync())
            {
                Assert.Throws<ArgumentOutOfRangeException>(() => c.Notify(-1));
                c.Notify(); // nobody waits: nothing happens
                c.NotifyAll();
            }
            // Held by another task is not held by this one.
            await Nursery.RunAsync(async n =>
            {
                var held = new Event();
                var done = new Event();
                n.StartSoon(async () => { using (await c.Lock.AcquireAsync()) { held.Set(); await done.WaitAsync(); } });
                await held.WaitAsync();
                Assert.IsType<InvalidOperationException>(CatchSync(() => c.Notify()));
                done.Set();
            });
        });
    }

    [Fact]
    public void Notify_reparks_waiters_into_the_lock_queue_and_they_resume_one_by_one()
    {
        var finished = new List<int>();
        Run(async () =>
        {
            var c = new Condition();
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 3; i++)
                {
                    int k = i;
                    n.StartSoon(async () => { using (await c.Lock.AcquireAsync()) { await c.WaitAsync(); finished.Add(k); } });
                    await Settle();
                }
                Assert.Equal(3, c.Statistics.TasksWaiting);
                using (await c.Lock.AcquireAsync())
                {
                    c.Notify(2);
                    var stats = c.Statistics;
                    Assert.Equal(1, stats.TasksWaiting);
                    Assert.Equal(2, stats.LockStatistics.TasksWaiting);
                    Assert.Contains("waiting on AsyncLock.AcquireAsync", Loop.Current!.DumpTaskTree(), StringComparison.Ordinal);
                }
                // Releasing handed the lock to the first notified waiter.
                Assert.Equal(1, c.Statistics.LockStatistics.TasksWaiting);
                await Settle();
                Assert.Equal(new[] { 0, 1 }, finished);
                using (await c.Lock.AcquireAsync())
                    c.NotifyAll();
            });
        });
        Assert.Equal(new[] { 0, 1, 2 }, finished);
    }

    [Fact]
    public void A_notified_waiter_waits_behind_the_tasks_already_queued_for_the_lock()
    {
        var record = new List<string>();
        Run(async () =>
        {
            var c = new Condition();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { using (await c.Lock.AcquireAsync()) { await c.WaitAsync(); record.Add("waiter"); } });
                await Settle();
                using (await c.Lock.AcquireAsync())
                {
                    n.StartSoon(async () => { using (await c.Lock.AcquireAsync()) record.Add("queued first"); });
                    await Settle();
                    c.Notify();
                }
            });
        });
        Assert.Equal(new[] { "queued first", "waiter" }, record);
    }

    [Fact]
    public void A_wait_cancelled_while_waiting_holds_the_lock_again_before_it_throws()
    {
        Run(async () =>
        {
            var c = new Condition();
            bool heldInFinally = false;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    var scope = CancelScope.MoveOnAfter(S(1));
                    await scope.RunAsync(async () =>
                    {
                        using (await c.Lock.AcquireAsync())
                        {
                            try { await c.WaitAsync(); }
                            finally { heldInFinally = c.Lock.IsLocked && ReferenceEquals(c.Lock.Statistics.Owner, TaskInfo.Current); }
                        }
                    });
                    Assert.True(scope.CancelledCaught);
                });
                // Hold the lock across the cancellation: the cancelled waiter must wait for it, shielded.
                await Time.SleepAsync(S(0.5));
                using (await c.Lock.AcquireAsync())
                {
                    await Time.SleepAsync(S(2));
                    Assert.Equal(1, c.Statistics.LockStatistics.TasksWaiting);
                }
            });
            Assert.True(heldInFinally);
            Assert.False(c.Lock.IsLocked);
        });
    }

    [Fact]
    public void A_wait_cancelled_by_its_token_after_notify_still_holds_the_lock()
    {
        Run(async () =>
        {
            var c = new Condition();
            using var cts = new CancellationTokenSource();
            Exception? error = null;
            bool held = false;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    using (await c.Lock.AcquireAsync())
                    {
                        error = await Catch(async () => await c.WaitAsync(cts.Token));
                        held = c.Lock.IsLocked;
                    }
                });
                await Settle();
                using (await c.Lock.AcquireAsync())
                {
                    c.Notify();
                    cts.Cancel(); // while queued for the lock
                    Assert.Equal(0, c.Statistics.LockStatistics.TasksWaiting);
                }
            });
            Assert.IsType<OperationCanceledException>(error);
            Assert.True(held);
            Assert.False(c.Lock.IsLocked);
        });
    }

    [Fact]
    public void The_condition_acquires_and_releases_its_lock_itself_too()
    {
        Run(async () =>
        {
            var c = new Condition();
            using (await c.AcquireAsync())
            {
                Assert.True(c.IsLocked);
                Assert.IsType<InvalidOperationException>(CatchSync(() => c.TryAcquire()));
            }
            Assert.False(c.IsLocked);
            Assert.True(c.TryAcquire());
            c.Notify();
            c.Release();
            Assert.False(c.Lock.IsLocked);
        });
    }

    [Fact]
    public void A_given_lock_is_the_conditions_lock()
    {
        var l = new AsyncLock();
        Assert.Same(l, new Condition(l).Lock);
    }
}
