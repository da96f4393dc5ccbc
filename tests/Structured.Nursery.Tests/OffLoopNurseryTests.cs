namespace NurseryTests;

/// <summary>
/// Nursery.RunAsync off the loop inside a task (a request handler, a child on the pool): the form without an async frame
/// for a synchronous body and with a join that the last child ends (Nursery+OffLoop.cs). Each test holds the children
/// with an <see cref="TaskCompletionSource"/> that the test itself completes, so the order is fixed: no timing.
/// </summary>
[Collection("OffLoop")]
public class OffLoopNurseryTests
{
    /// <summary>Runs <paramref name="body"/> off the loop inside a task: the body of an outer nursery, in its implicit root task.</summary>
    static void InTaskOffLoop(Func<Task> body) => OffLoop(() => Nursery.RunAsync(_ => body()));

    [Fact]
    public void A_synchronous_body_returns_at_once_and_its_nursery_ends_after_the_last_child()
    {
        InTaskOffLoop(async () =>
        {
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var parent = TaskInfo.Current;
            int done = 0;
            var run = Nursery.RunAsync(nursery =>
            {
                nursery.StartSoon(async () => { await release.Task; Interlocked.Increment(ref done); });
                nursery.StartSoon(async () => { await release.Task; Interlocked.Increment(ref done); });
                return Task.CompletedTask;
            });
            // The body ended synchronously: the join is set up, and the parent waits in it for the children it holds.
            Assert.False(run.IsCompleted);
            Assert.Equal(TaskState.Blocked, parent.State);
            Assert.Equal("its nursery's children (2 running)", parent.WaitingOn);
            release.SetResult();
            await run;
            Assert.Equal(2, Volatile.Read(ref done));
            Assert.Null(parent.WaitingOn);
        });
    }

    [Fact]
    public void The_callers_flow_keeps_its_own_scope_after_a_body_that_completed_synchronously()
    {
        InTaskOffLoop(async () =>
        {
            var outer = CancelScope.Current;
            CancelScope? inBody = null;
            var run = Nursery.RunAsync(nursery =>
            {
                inBody = CancelScope.Current;
                nursery.StartSoon(() => Task.CompletedTask);
                return Task.CompletedTask;
            });
            // RunAsync returned without an async frame: the nursery's scope was current in the body, not after it.
            Assert.Same(outer, CancelScope.Current);
            await run;
            Assert.NotNull(inBody);
            Assert.NotSame(outer, inBody);
            Assert.Same(outer, CancelScope.Current);
        });
    }

    [Fact]
    public void A_nursery_without_children_still_completes_and_closes()
    {
        InTaskOffLoop(async () =>
        {
            Nursery? seen = null;
            await Nursery.RunAsync(nursery =>
            {
                seen = nursery;
                return Task.CompletedTask;
            });
            Assert.True(seen!.IsClosed);
            Assert.Throws<InvalidOperationException>(() => seen.StartSoon(() => Task.CompletedTask));
        });
    }

    [Fact]
    public void A_childs_error_ends_the_join_with_the_aggregate_and_cancels_the_sibling()
    {
        InTaskOffLoop(async () =>
        {
            var siblingCancelled = false;
            var run = Nursery.RunAsync(nursery =>
            {
                nursery.StartSoon(async () =>
                {
                    try { await Time.SleepForeverAsync(); }
                    catch (Cancelled) { siblingCancelled = true; throw; }
                });
                nursery.StartSoon(async () => { await Checkpoint.YieldAsync(); throw new FormatException("child failed"); });
                return Task.CompletedTask;
            });
            var error = await Assert.ThrowsAsync<AggregateException>(() => run);
            Assert.IsType<FormatException>(Assert.Single(error.InnerExceptions));
            Assert.True(run.IsFaulted);
            Assert.True(siblingCancelled);
        });
    }

    [Fact]
    public void A_body_that_throws_synchronously_comes_out_as_a_nursery_bodys_error_after_its_children()
    {
        InTaskOffLoop(async () =>
        {
            int childEnded = 0;
            var run = Nursery.RunAsync(nursery =>
            {
                nursery.StartSoon(async () =>
                {
                    try { await Time.SleepForeverAsync(); }
                    finally { Interlocked.Increment(ref childEnded); }
                });
                throw new FormatException("body failed");
            });
            var error = await Assert.ThrowsAsync<AggregateException>(() => run);
            Assert.IsType<FormatException>(Assert.Single(error.InnerExceptions));
            Assert.Equal(1, Volatile.Read(ref childEnded));
        });
    }

    [Fact]
    public void A_cancellation_from_outside_ends_the_join_canceled_with_the_nurserys_cancellation()
    {
        InTaskOffLoop(async () =>
        {
            var scope = new CancelScope();
            Task? run = null;
            await scope.RunAsync(async () =>
            {
                run = Nursery.RunAsync(nursery =>
                {
                    nursery.StartSoon(() => Time.SleepForeverAsync().AsTask());
                    scope.Cancel("stop");
                    return Task.CompletedTask;
                });
                await run;
            });
            // As from an async method: Canceled, and awaiting it throws the scope's own Cancelled (which the scope caught).
            Assert.True(scope.CancelledCaught);
            Assert.True(run!.IsCanceled);
            var cancelled = await Assert.ThrowsAsync<Cancelled>(() => run);
            Assert.Contains("stop", cancelled.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void An_asynchronous_body_is_awaited_before_the_join()
    {
        InTaskOffLoop(async () =>
        {
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var run = Nursery.RunAsync(async nursery =>
            {
                nursery.StartSoon(async () => { await release.Task; order.Enqueue("child"); });
                await Checkpoint.YieldAsync();
                order.Enqueue("body");
                release.SetResult();
            });
            await run;
            Assert.Equal(["body", "child"], order);
        });
    }
}
