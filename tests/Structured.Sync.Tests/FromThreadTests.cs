using static SyncTests.SyncHarness;

namespace SyncTests;

[Collection("Threads")]
public class FromThreadTests
{
    static readonly AsyncLocal<string?> Local = new();

    [Fact]
    public void Run_and_RunSync_run_back_on_the_loop_thread_in_the_waiting_task()
    {
        Run(async () =>
        {
            int loopThread = Environment.CurrentManagedThreadId;
            var caller = TaskInfo.Current;
            var (syncThread, asyncThread, asyncTask, slept) = await ToThread.RunAsync(() =>
            {
                int syncThread = FromThread.RunSync(() => Environment.CurrentManagedThreadId);
                var (asyncThread, asyncTask, slept) = FromThread.Run(async () =>
                {
                    var before = Time.Now;
                    await Time.SleepAsync(S(5));
                    return (Environment.CurrentManagedThreadId, TaskInfo.Current, Time.Now - before);
                });
                return (syncThread, asyncThread, asyncTask, slept);
            });
            Assert.Equal(loopThread, syncThread);
            Assert.Equal(loopThread, asyncThread);
            Assert.Same(caller, asyncTask);
            Assert.Equal(S(5), slept);

            int count = 0;
            await ToThread.RunAsync(() =>
            {
                FromThread.RunSync(() => { count++; });
                FromThread.Run(async () => { await Checkpoint.YieldAsync(); count++; });
            });
            Assert.Equal(2, count);
        });
    }

    [Fact]
    public void Exceptions_come_back_to_the_worker_as_themselves()
    {
        Run(async () =>
        {
            var syncError = new InvalidTimeZoneException("sync");
            var asyncError = new InvalidTimeZoneException("async");
            var (a, b) = await ToThread.RunAsync(() =>
            {
                Exception? a = null, b = null;
                try { FromThread.RunSync<int>(() => throw syncError); }
                catch (Exception e) { a = e; }
                try { FromThread.Run(async () => { await Checkpoint.YieldAsync(); throw asyncError; }); }
                catch (Exception e) { b = e; }
                return (a, b);
            });
            Assert.Same(syncError, a);
            Assert.Same(asyncError, b);
        });
    }

    [Fact]
    public void Called_on_the_loop_from_a_task_or_from_a_foreign_thread_it_throws_InvalidOperationException()
    {
        Run(async () =>
        {
            Assert.IsType<InvalidOperationException>(CatchSync(() => FromThread.RunSync(() => 1)));
            Assert.IsType<InvalidOperationException>(CatchSync(() => FromThread.RunSync(() => { })));
            Assert.IsType<InvalidOperationException>(CatchSync(() => FromThread.Run(() => Task.CompletedTask)));
            Assert.IsType<InvalidOperationException>(CatchSync(() => FromThread.Run(() => Task.FromResult(1))));
            await Checkpoint.YieldAsync();
        });
        Exception? foreign = null;
        var thread = new Thread(() => foreign = CatchSync(() => FromThread.RunSync(() => 1)));
        thread.Start();
        thread.Join();
        Assert.IsType<InvalidOperationException>(foreign);
        Assert.Contains("ToThread", foreign!.Message, StringComparison.Ordinal);
        OffLoopWithin(S(30), async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    Assert.IsType<InvalidOperationException>(CatchSync(() => FromThread.RunSync(() => 1)));
                    await Task.Yield();
                });
            });
        });
    }

    [Fact]
    public void Misuse_throws_argument_exceptions()
    {
        Run(async () =>
        {
            await ToThread.RunAsync(() =>
            {
                Assert.Throws<ArgumentNullException>(() => FromThread.RunSync<int>(null!));
                Assert.IsType<ArgumentNullException>(CatchSync(() => FromThread.RunSync((Action)null!)));
                Assert.Throws<ArgumentNullException>(() => FromThread.Run<int>(null!));
                Assert.IsType<ArgumentNullException>(CatchSync(() => FromThread.Run((Func<Task>)null!)));
                Assert.IsType<ArgumentException>(CatchSync(() => FromThread.RunSync(() => Task.CompletedTask)));
            });
        });
    }

    [Fact]
    public void The_function_sees_the_workers_AsyncLocal_values_and_its_changes_stay_with_it()
    {
        Run(async () =>
        {
            Local.Value = "main";
            var seen = await ToThread.RunAsync(() =>
            {
                var threadParent = Local.Value;
                Local.Value = "worker";
                var (backParent, backCurrent) = FromThread.RunSync(() =>
                {
                    var parent = Local.Value;
                    Local.Value = "back in main";
                    return (parent, Local.Value);
                });
                var asyncParent = FromThread.Run(async () =>
                {
                    var parent = Local.Value;
                    Local.Value = "async back in main";
                    await Checkpoint.YieldAsync();
                    return parent;
                });
                return (threadParent, backParent, backCurrent, asyncParent, after: Local.Value);
            });
            Assert.Equal(("main", "worker", "back in main", "worker", "worker"), seen);
            Assert.Equal("main", Local.Value);
        });
    }

    [Fact]
    public void In_a_non_cancellable_call_the_function_is_shielded_from_the_callers_cancellation()
    {
        Run(async () =>
        {
            var scope = new CancelScope();
            TimeSpan slept = default;
            await scope.RunAsync(async () =>
            {
                await ToThread.RunAsync(() =>
                {
                    FromThread.RunSync(() => scope.Cancel());
                    slept = FromThread.Run(async () =>
                    {
                        var before = Time.Now;
                        await Time.SleepAsync(S(1));
                        return Time.Now - before;
                    });
                });
                await Checkpoint.YieldAsync();
            });
            Assert.True(scope.CancelledCaught);
            Assert.Equal(S(1), slept);
        });
    }

    [Fact]
    public void In_a_cancellable_call_cancelling_the_caller_cancels_the_function_and_abandons_the_thread()
    {
        using var abandoned = new ManualResetEventSlim();
        Exception? secondCall = null;
        Exception? inFunction = null;
        Run(async () =>
        {
            var scope = new CancelScope();
            await scope.RunAsync(async () =>
            {
                await ToThread.RunAsync(() =>
                {
                    try
                    {
                        FromThread.Run(async () =>
                        {
                            scope.Cancel();
                            await Time.SleepAsync(S(1));
                        });
                    }
                    catch (Exception e)
                    {
                        inFunction = e;
                    }
                    // The caller has abandoned the call by now, or will at once: wait for that, then try again.
                    SpinWait.SpinUntil(() => scope.CancelledCaught, Watchdog);
                    secondCall = CatchSync(() => FromThread.RunSync(() => 1));
                    abandoned.Set();
                }, cancellable: true);
            });
            Assert.True(scope.CancelledCaught);
            Assert.True(await ToThread.RunAsync(() => abandoned.Wait(Watchdog)));
        });
        Assert.IsType<Cancelled>(inFunction);
        Assert.IsType<OperationCanceledException>(secondCall);
    }

    [Fact]
    public void Off_the_loop_the_function_runs_in_the_waiting_task()
    {
        OffLoopWithin(S(30), async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    var caller = TaskInfo.Current;
                    var l = new AsyncLock();
                    await l.AcquireAsync();
                    // The lock belongs to the waiting task: code run back in it may release it.
                    var ranIn = await ToThread.RunAsync(() => FromThread.RunSync(() => { l.Release(); return TaskInfo.Current; }));
                    Assert.Same(caller, ranIn);
                    Assert.False(l.IsLocked);
                });
            });
        });
    }
}
