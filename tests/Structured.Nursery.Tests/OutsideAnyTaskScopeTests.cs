namespace NurseryTests;

/// <summary>
/// A cancel scope entered off the loop by code outside any task (a handler on the thread pool without the request
/// scope): it runs as the root scope of an implicit task of its own, made for the call, which the caller never sees
/// (docs/performance.md, "The thread-pool path"). The flow rules of docs/decisions/0007 hold as inside a task.
/// </summary>
public sealed class OutsideAnyTaskScopeTests
{
    [Fact]
    public void The_scope_is_the_root_of_an_implicit_task_that_the_caller_never_sees()
    {
        OffLoop(async () =>
        {
            Assert.Null(TaskInfo.CurrentOrNull);
            var scope = CancelScope.MoveOnAfter(TimeSpan.FromHours(1));
            CancelScope? current = null;
            object? rootOfTask = null;
            var run = scope.RunAsync(() =>
            {
                current = CancelScope.Current;
                rootOfTask = TaskInfo.CurrentOrNull?.CancelState;
                return Task.CompletedTask;
            });
            // A body that completed at once: the scope has exited before RunAsync returned, on the caller's context.
            Assert.True(run.IsCompletedSuccessfully);
            Assert.Same(scope, current);
            Assert.Same(scope, rootOfTask); // the task's root scope, not a list of top-level scopes
            Assert.Null(TaskInfo.CurrentOrNull);
            Assert.Null(CancelScope.Current);
            Assert.False(TimerHeap.IsArmed(scope));
            await run;
        });
    }

    [Fact]
    public void A_body_that_goes_async_keeps_its_scope_and_the_caller_keeps_none()
    {
        OffLoop(async () =>
        {
            var outer = new CancelScope();
            var inner = new CancelScope();
            var release = new Event();
            CancelScope? afterAwait = null, inInner = null, afterInner = null;
            var run = outer.RunAsync(async () =>
            {
                await release.WaitAsync();
                afterAwait = CancelScope.Current;
                await inner.RunAsync(async () =>
                {
                    await Checkpoint.YieldAsync();
                    inInner = CancelScope.Current;
                });
                afterInner = CancelScope.Current;
            });
            Assert.False(run.IsCompleted);
            Assert.Null(CancelScope.Current);
            Assert.Null(TaskInfo.CurrentOrNull);
            release.Set();
            await run;
            Assert.Same(outer, afterAwait);
            Assert.Same(inner, inInner);
            Assert.Same(outer, afterInner);
            Assert.Null(CancelScope.Current);
        });
    }

    [Fact]
    public void Cancelling_the_scope_reaches_the_children_of_a_nursery_inside_it()
    {
        OffLoop(async () =>
        {
            var scope = new CancelScope();
            var started = new Event();
            int cancelled = 0;
            var run = scope.RunAsync(() => Nursery.RunAsync(n =>
            {
                for (int i = 0; i < 2; i++)
                {
                    n.StartSoon(async () =>
                    {
                        try
                        {
                            started.Set();
                            await Time.SleepForeverAsync();
                        }
                        catch (Cancelled)
                        {
                            Interlocked.Increment(ref cancelled);
                            throw;
                        }
                    });
                }
                return Task.CompletedTask;
            }));
            await started.WaitAsync();
            scope.Cancel("stop");
            await run;
            Assert.True(scope.CancelledCaught);
            Assert.Equal(2, cancelled);
        });
    }

    [Fact]
    public void A_scope_left_running_inside_it_is_reported_as_a_corrupted_stack_and_cancelled()
    {
        OffLoop(async () =>
        {
            var inner = new CancelScope();
            Task? left = null;
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new CancelScope().RunAsync(() =>
            {
                left = inner.RunAsync(() => Time.SleepForeverAsync().AsTask());
                return Task.CompletedTask;
            }));
            Assert.Contains("Cancel scope stack corrupted", error.Message, StringComparison.Ordinal);
            await left!;
            Assert.True(inner.CancelCalled);
        });
    }

    [Fact]
    public void With_the_flow_suppressed_the_body_still_runs_in_the_scope_and_the_caller_keeps_no_task()
    {
        OffLoop(() =>
        {
            var scope = new CancelScope();
            CancelScope? current = null;
            Task run;
            using (ExecutionContext.SuppressFlow())
            {
                run = scope.RunAsync(() =>
                {
                    current = CancelScope.Current;
                    return Task.CompletedTask;
                });
                Assert.Null(TaskInfo.CurrentOrNull);
            }
            Assert.True(run.IsCompletedSuccessfully);
            Assert.Same(scope, current);
            return run;
        });
    }

    [Fact]
    public void A_scope_with_a_result_is_the_root_of_its_implicit_task_too()
    {
        OffLoop(async () =>
        {
            var scope = CancelScope.MoveOnAfter(TimeSpan.FromHours(1));
            object? rootOfTask = null;
            int value = await scope.RunAsync(() =>
            {
                rootOfTask = TaskInfo.CurrentOrNull?.CancelState;
                return Task.FromResult(42);
            });
            Assert.Equal(42, value);
            Assert.Same(scope, rootOfTask);
            Assert.Null(TaskInfo.CurrentOrNull);
            Assert.Null(CancelScope.Current);

            // Cancelled by itself, it returns default and says it caught the cancellation.
            var cancelled = new CancelScope();
            int none = await cancelled.RunAsync(async () =>
            {
                cancelled.Cancel("stop");
                await Checkpoint.YieldAsync();
                return 7;
            });
            Assert.Equal(0, none);
            Assert.True(cancelled.CancelledCaught);
        });
    }
}
