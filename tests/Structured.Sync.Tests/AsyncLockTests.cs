using static SyncTests.SyncHarness;

namespace SyncTests;

public class AsyncLockTests
{
    [Fact]
    public void Release_hands_the_lock_to_the_first_waiter_and_the_releaser_cannot_barge_back_in()
    {
        var record = new List<string>();
        Run(async () =>
        {
            var l = new AsyncLock();
            await Nursery.RunAsync(async n =>
            {
                await l.AcquireAsync();
                for (int i = 0; i < 3; i++)
                {
                    int k = i;
                    n.StartSoon(async () => { using (await l.AcquireAsync()) record.Add($"got {k}"); });
                }
                await Settle();
                Assert.Equal(3, l.Statistics.TasksWaiting);
                l.Release();
                // Handed over before Release returned: the lock is still held, by task 0.
                Assert.True(l.IsLocked);
                Assert.False(l.TryAcquire());
                Assert.Equal(2, l.Statistics.TasksWaiting);
                var acquireAgain = l.AcquireAsync(); // queued behind 1 and 2
                await Settle();
                Assert.Equal(new[] { "got 0", "got 1", "got 2" }, record);
                using (await acquireAgain)
                    record.Add("main again");
            });
            Assert.False(l.IsLocked);
        });
        Assert.Equal(new[] { "got 0", "got 1", "got 2", "main again" }, record);
    }

    [Fact]
    public void Every_waiter_gets_the_lock_in_FIFO_order_round_after_round()
    {
        var record = new List<int>();
        Run(async () =>
        {
            var l = new AsyncLock();
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 3; i++)
                {
                    int k = i;
                    n.StartSoon(async () =>
                    {
                        for (int round = 0; round < 4; round++)
                        {
                            using (await l.AcquireAsync())
                            {
                                record.Add(k);
                                await Checkpoint.YieldAsync();
                            }
                        }
                    });
                }
            });
        });
        Assert.Equal(Enumerable.Repeat(new[] { 0, 1, 2 }, 4).SelectMany(x => x), record);
    }

    [Fact]
    public void Reentrant_acquire_and_foreign_release_throw_InvalidOperationException()
    {
        Run(async () =>
        {
            var l = new AsyncLock();
            Assert.IsType<InvalidOperationException>(CatchSync(() => l.Release()));
            Assert.True(l.TryAcquire());
            Assert.IsType<InvalidOperationException>(CatchSync(() => l.TryAcquire()));
            Assert.IsType<InvalidOperationException>(await Catch(async () => await l.AcquireAsync()));
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    Assert.IsType<InvalidOperationException>(CatchSync(() => l.Release()));
                    await Checkpoint.YieldAsync();
                });
            });
            Assert.True(l.IsLocked);
            Assert.Same(TaskInfo.Current, l.Statistics.Owner);
            l.Release();
            Assert.Null(l.Statistics.Owner);
        });
    }

    [Fact]
    public void A_default_releaser_does_nothing_and_a_second_dispose_throws()
    {
        Run(async () =>
        {
            var l = new AsyncLock();
            default(AsyncLock.Releaser).Dispose();
            var releaser = await l.AcquireAsync();
            releaser.Dispose();
            Assert.False(l.IsLocked);
            Assert.IsType<InvalidOperationException>(CatchSync(() => releaser.Dispose()));
        });
    }

    [Fact]
    public void Acquire_is_a_checkpoint_even_when_the_lock_is_free()
    {
        Run(async () =>
        {
            var l = new AsyncLock();
            var scope = new CancelScope();
            scope.Cancel();
            await scope.RunAsync(async () => await l.AcquireAsync());
            Assert.True(scope.CancelledCaught);
            Assert.False(l.IsLocked);
        });
    }

    [Fact]
    public void A_waiter_cancelled_by_its_token_never_gets_the_lock_and_the_next_one_does()
    {
        var record = new List<string>();
        Run(async () =>
        {
            var l = new AsyncLock();
            using var cts = new CancellationTokenSource();
            await l.AcquireAsync();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    var e = await Catch(async () => { using (await l.AcquireAsync(cts.Token)) record.Add("cancelled one got it"); });
                    record.Add(e?.GetType().Name ?? "no error");
                });
                n.StartSoon(async () => { using (await l.AcquireAsync()) record.Add("second got it"); });
                await Settle();
                cts.Cancel();
                await Settle();
                Assert.Equal(1, l.Statistics.TasksWaiting);
                l.Release();
            });
            Assert.False(l.IsLocked);
        });
        Assert.Equal(new[] { "OperationCanceledException", "second got it" }, record);
    }

    [Fact]
    public void A_waiter_cancelled_by_a_deadline_leaves_the_queue_at_that_time()
    {
        Run(async () =>
        {
            var l = new AsyncLock();
            await l.AcquireAsync();
            var start = Time.Now;
            TimeSpan gaveUp = default;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    await CancelScope.MoveOnAfter(S(3)).RunAsync(async () => await l.AcquireAsync());
                    gaveUp = Time.Now - start;
                });
                await Time.SleepAsync(S(5));
                Assert.Equal(0, l.Statistics.TasksWaiting);
                l.Release();
            });
            Assert.Equal(S(3), gaveUp);
            Assert.False(l.IsLocked);
        });
    }

    [Fact]
    public void Acquiring_without_blocking_allocates_nothing()
    {
        long allocated = Run(async () =>
        {
            var l = new AsyncLock();
            for (int i = 0; i < 300; i++) // warm up: JIT, the spare adapter of the budget yield
            {
                using (await l.AcquireAsync()) { }
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                using (await l.AcquireAsync()) { }
                l.TryAcquire();
                l.Release();
            }
            return GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Ownership_belongs_to_the_task_even_when_it_resumes_on_another_pool_thread()
    {
        var threads = new HashSet<int>();
        OffLoopWithin(S(30), async () =>
        {
            var l = new AsyncLock();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < 50; i++)
                    {
                        await l.AcquireAsync();
                        lock (threads)
                            threads.Add(Environment.CurrentManagedThreadId);
                        await Task.Yield();
                        await Checkpoint.YieldAsync();
                        lock (threads)
                            threads.Add(Environment.CurrentManagedThreadId);
                        l.Release();
                    }
                });
            });
            Assert.False(l.IsLocked);
        });
        Assert.NotEmpty(threads);
    }

    [Fact]
    public void Code_outside_any_task_off_the_loop_acquires_and_releases_as_one_owner()
    {
        OffLoopWithin(S(30), async () =>
        {
            var l = new AsyncLock();
            using (await l.AcquireAsync())
            {
                await Task.Yield();
                Assert.True(l.IsLocked);
            }
            Assert.False(l.IsLocked);
            Assert.True(l.TryAcquire());
            l.Release();
        });
    }

    [Fact]
    public void A_Post_callback_on_the_loop_thread_is_no_owner()
    {
        Run(async () =>
        {
            var l = new AsyncLock();
            var done = new Event();
            Exception? error = null;
            Loop.Current!.Post(() => { error = CatchSync(() => l.TryAcquire()); done.Set(); });
            await done.WaitAsync();
            Assert.IsType<InvalidOperationException>(error);
        });
    }

    [Fact]
    public void The_task_tree_shows_a_blocked_acquire()
    {
        Run(async () =>
        {
            var l = new AsyncLock();
            await l.AcquireAsync();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { using (await l.AcquireAsync()) { } }, "waiter");
                await Settle();
                Assert.Contains("waiting on AsyncLock.AcquireAsync", Loop.Current!.DumpTaskTree(), StringComparison.Ordinal);
                l.Release();
            });
        });
    }
}
