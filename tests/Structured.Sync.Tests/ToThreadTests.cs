using static SyncTests.SyncHarness;

namespace SyncTests;

[Collection("Threads")]
public class ToThreadTests
{
    static readonly AsyncLocal<string?> Local = new();

    [Fact]
    public void Returns_the_result_or_the_exception_itself_back_on_the_loop()
    {
        Run(async () =>
        {
            int loopThread = Environment.CurrentManagedThreadId;
            var (value, worker) = await ToThread.RunAsync(() => (42, Environment.CurrentManagedThreadId));
            Assert.Equal(42, value);
            Assert.NotEqual(loopThread, worker);
            Assert.Equal(loopThread, Environment.CurrentManagedThreadId);

            var boom = new InvalidTimeZoneException("boom");
            Assert.Same(boom, await Catch(async () => await ToThread.RunAsync(() => throw boom)));
            Assert.Same(boom, await Catch(async () => await ToThread.RunAsync(new Func<int>(() => throw boom))));
            int ran = 0;
            await ToThread.RunAsync(() => { Interlocked.Increment(ref ran); });
            Assert.Equal(1, ran);
        });
    }

    [Fact]
    public void Misuse_throws_argument_exceptions_at_the_call()
    {
        Assert.IsType<ArgumentNullException>(CatchSync(() => _ = ToThread.RunAsync<int>(null!)));
        Assert.IsType<ArgumentNullException>(CatchSync(() => _ = ToThread.RunAsync((Action)null!)));
        Assert.IsType<ArgumentException>(CatchSync(() => _ = ToThread.RunAsync(() => Task.CompletedTask)));
        Assert.IsType<ArgumentException>(CatchSync(() => _ = ToThread.RunAsync(() => ValueTask.FromResult(1))));
    }

    [Fact]
    public void Entering_is_a_checkpoint_and_nothing_runs_in_a_cancelled_scope()
    {
        bool ran = false;
        Run(async () =>
        {
            var scope = new CancelScope();
            scope.Cancel();
            await scope.RunAsync(async () => await ToThread.RunAsync(() => ran = true));
            Assert.True(scope.CancelledCaught);
        });
        Assert.False(ran);
    }

    [Fact]
    public void A_cancellable_call_returns_at_once_and_keeps_its_token_until_the_thread_ends()
    {
        using var started = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        using var finished = new ManualResetEventSlim();
        try
        {
            Run(async () =>
            {
                var limiter = new CapacityLimiter(1);
                var scope = new CancelScope();
                await Nursery.RunAsync(async n =>
                {
                    n.StartSoon(async () => await scope.RunAsync(async () =>
                        await ToThread.RunAsync(() => { started.Set(); gate.Wait(); finished.Set(); return 1; }, cancellable: true, limiter: limiter)));
                    await ToThread.RunAsync(() => started.Wait());
                    scope.Cancel();
                });
                Assert.True(scope.CancelledCaught);
                Assert.Equal(1, limiter.BorrowedTokens); // abandoned, still running
                gate.Set();
                await ToThread.RunAsync(() => finished.Wait());
                await limiter.AcquireAsync(); // given back when its thread ended
                limiter.Release();
            });
        }
        finally
        {
            gate.Set();
        }
    }

    [Fact]
    public void A_token_cancels_a_cancellable_call()
    {
        using var gate = new ManualResetEventSlim();
        try
        {
            Run(async () =>
            {
                using var cts = new CancellationTokenSource();
                await Nursery.RunAsync(async n =>
                {
                    n.StartSoon(async () =>
                    {
                        var e = await Catch(async () => await ToThread.RunAsync(() => gate.Wait(), cancellable: true, cancellationToken: cts.Token));
                        Assert.IsType<OperationCanceledException>(e);
                    });
                    await Settle();
                    cts.Cancel();
                });
            });
        }
        finally
        {
            gate.Set();
        }
    }

    [Fact]
    public void The_token_is_back_before_the_call_returns()
    {
        Run(async () =>
        {
            var limiter = new CapacityLimiter(1);
            for (int i = 0; i < 5; i++)
            {
                await ToThread.RunAsync(() => Assert.Equal(1, limiter.BorrowedTokens), limiter: limiter);
                Assert.Equal(0, limiter.BorrowedTokens);
            }
            Assert.Same(ToThread.DefaultLimiter, ToThread.DefaultLimiter);
            Assert.Equal(40, ToThread.DefaultLimiter.TotalTokens);
        });
    }

    [Fact]
    public void AsyncLocal_values_flow_into_the_worker_and_changes_do_not_flow_back()
    {
        Run(async () =>
        {
            Local.Value = "main";
            var (parent, inner) = await ToThread.RunAsync(() =>
            {
                var seen = Local.Value;
                Local.Value = "worker";
                return (seen, Local.Value);
            });
            Assert.Equal("main", parent);
            Assert.Equal("worker", inner);
            Assert.Equal("main", Local.Value);
        });
    }

    [Fact]
    public void The_worker_is_outside_any_task_and_any_scope()
    {
        Run(async () =>
        {
            await CancelScope.MoveOnAfter(S(10)).RunAsync(async () =>
            {
                var (scope, task) = await ToThread.RunAsync(() => (CancelScope.Current, TaskInfo.Current.Name));
                Assert.Null(scope);
                Assert.Equal("(external)", task);
            });
        });
    }

    [Fact]
    public void The_task_tree_shows_a_task_waiting_for_its_thread()
    {
        using var gate = new ManualResetEventSlim();
        try
        {
            Run(async () =>
            {
                await Nursery.RunAsync(async n =>
                {
                    n.StartSoon(async () => await ToThread.RunAsync(() => gate.Wait()), "blocked on a thread");
                    await Settle();
                    Assert.Contains("waiting on ToThread.RunAsync", Loop.Current!.DumpTaskTree(), StringComparison.Ordinal);
                    gate.Set();
                });
            });
        }
        finally
        {
            gate.Set();
        }
    }

    [Fact]
    public void Works_off_the_loop_too()
    {
        OffLoopWithin(S(30), async () =>
        {
            int sum = 0;
            await Nursery.RunAsync(async n =>
            {
                for (int i = 1; i <= 10; i++)
                {
                    int k = i;
                    n.StartSoon(async () => Interlocked.Add(ref sum, await ToThread.RunAsync(() => k)));
                }
            });
            Assert.Equal(55, sum);
            Assert.Equal(7, await ToThread.RunAsync(() => 7)); // outside any task
        });
    }
}
