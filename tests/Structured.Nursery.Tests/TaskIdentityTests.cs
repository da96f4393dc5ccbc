namespace NurseryTests;

/// <summary>
/// Which task code runs as: several flows of one task, code on the loop thread outside any task (a
/// <c>Loop.Post</c> callback), and calls from other threads.
/// </summary>
public class TaskIdentityTests
{
    [Fact]
    public void Several_flows_of_an_off_loop_child_sleep_and_yield_without_sharing_a_wait()
    {
        const int Items = 64;
        int done = 0;
        OffLoop(() => Nursery.RunAsync(nursery =>
        {
            nursery.StartSoon(async () =>
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, Items), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
                {
                    for (int round = 0; round < 20; round++)
                    {
                        await Checkpoint.YieldAsync(token);
                        await Time.SleepAsync(TimeSpan.FromTicks(1 + (i % 3)), token);
                    }
                    Interlocked.Increment(ref done);
                });
            }, "parallel");
            return Task.CompletedTask;
        }));
        Assert.Equal(Items, done);
    }

    [Fact]
    public void Task_Run_flows_of_an_off_loop_child_each_block_on_their_own()
    {
        int done = 0;
        OffLoop(() => Nursery.RunAsync(nursery =>
        {
            nursery.StartSoon(async () =>
            {
                var gate = new Event();
                var flows = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
                {
                    await gate.WaitAsync();
                    await CancelScope.MoveOnAfter(TimeSpan.FromHours(1)).RunAsync(() => Checkpoint.YieldAsync().AsTask());
                    Interlocked.Increment(ref done);
                })).ToList();
                await Checkpoint.YieldAsync();
                gate.Set();
                await Task.WhenAll(flows);
            });
            return Task.CompletedTask;
        }));
        Assert.Equal(16, done);
    }

    [Fact]
    public void A_sleep_awaited_in_a_Post_callback_uses_the_loop_clock_and_resumes_on_the_loop()
    {
        var (slept, onLoop) = Run(async () =>
        {
            var loop = Loop.Current!;
            var done = new TaskCompletionSource<(TimeSpan, bool)>();
            loop.Post(async () =>
            {
                var start = Time.Now;
                await Time.SleepAsync(S(30));
                done.SetResult((Time.Now - start, Loop.Current == loop));
            });
            // Main waits on a Structured primitive, so the loop's clock jumps to the callback's timer.
            await Time.SleepAsync(S(60));
            return await done.Task;
        }, new LoopOptions { Clock = new VirtualClock { AutojumpThreshold = TimeSpan.Zero } });
        Assert.Equal(S(30), slept);
        Assert.True(onLoop);
    }

    [Fact]
    public void An_Event_awaited_in_a_Post_callback_resumes_on_the_loop_thread()
    {
        bool onLoop = Run(async () =>
        {
            var loop = Loop.Current!;
            var ready = new Event();
            var resumed = new TaskCompletionSource<bool>();
            loop.Post(async () =>
            {
                await ready.WaitAsync();
                resumed.SetResult(Loop.Current == loop);
            });
            await Checkpoint.YieldAsync();
            ready.Set();
            return await resumed.Task;
        });
        Assert.True(onLoop);
    }

    [Fact]
    public void A_scope_opened_in_a_Post_callback_does_not_make_later_callbacks_run_as_its_task()
    {
        var (inCallback, later) = Run(async () =>
        {
            var loop = Loop.Current!;
            TaskInfo? first = null, second = null;
            var gate = new TaskCompletionSource();
            loop.Post(() =>
            {
                _ = new CancelScope().RunAsync(async () => { first = TaskInfo.Current; await Time.SleepAsync(S(1)); });
                _ = Nursery.RunAsync(n => Task.CompletedTask);
            });
            loop.Post(() => { second = TaskInfo.Current; gate.SetResult(); });
            await gate.Task;
            await Time.SleepAsync(S(2));
            return (first!, second!);
        });
        Assert.NotSame(inCallback, later);
        Assert.Equal("(external)", later.Name);
    }

    [Fact]
    public void The_synchronous_fast_path_of_RunAsync_off_the_loop_leaves_no_task_in_the_caller()
    {
        OffLoop(async () =>
        {
            Assert.Null(CancelScope.Current);
            await new CancelScope().RunAsync(() => Task.CompletedTask);
            await new CancelScope().RunAsync(() => Checkpoint.YieldAsync().AsTask());
            Assert.Null(CancelScope.Current);
            Assert.Equal("(external)", TaskInfo.Current.Name);
        });
    }

    [Fact]
    public void Started_called_from_a_worker_thread_moves_the_task_on_the_loop()
    {
        var (inTarget, outsideCancelled) = Run(async () =>
        {
            bool target = false;
            bool cancelled = false;
            await Nursery.RunAsync(async nursery =>
            {
                await nursery.StartAsync(async started =>
                {
                    await Task.Run(() => started.Started());
                    target = nursery.Children.Contains(TaskInfo.Current);
                    try { await Time.SleepForeverAsync(); }
                    catch (Cancelled) { cancelled = true; throw; }
                });
                nursery.CancelScope.Cancel();
            });
            return (target, cancelled);
        });
        Assert.True(inTarget);
        Assert.True(outsideCancelled);
    }

    [Fact]
    public void Infinite_durations_mean_no_deadline()
    {
        Run(async () =>
        {
            var after = CancelScope.MoveOnAfter(Timeout.InfiniteTimeSpan);
            await after.RunAsync(async () =>
            {
                Assert.Equal(TimeSpan.MaxValue, CancelScope.CurrentEffectiveDeadline);
                await Time.SleepAsync(TimeSpan.FromDays(400));
            });
            Assert.False(after.CancelledCaught);
            Assert.Equal(TimeSpan.MaxValue, after.Deadline);

            await CancelScope.FailAfter(Timeout.InfiniteTimeSpan, () => Time.SleepAsync(S(1)).AsTask());
            var constructed = new CancelScope(Timeout.InfiniteTimeSpan);
            await constructed.RunAsync(() => Checkpoint.YieldAsync().AsTask());
            Assert.False(constructed.CancelCalled);
            var set = new CancelScope(S(1)) { Deadline = Timeout.InfiniteTimeSpan };
            Assert.Equal(TimeSpan.MaxValue, set.Deadline);
            Assert.Equal(TimeSpan.MaxValue, CancelScope.MoveOnAt(Timeout.InfiniteTimeSpan).Deadline);
        });
        Assert.Throws<ArgumentOutOfRangeException>(() => CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(-2)));
    }
}
