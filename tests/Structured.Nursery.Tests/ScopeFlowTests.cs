namespace NurseryTests;

/// <summary>
/// The scope stack belongs to the logical flow, not to the task: scope bodies awaited together with
/// <c>Task.WhenAll</c>, un-awaited bodies, and several flows of one task (docs/decisions/0007).
/// </summary>
public class ScopeFlowTests
{
    [Fact]
    public void Two_scopes_under_Task_WhenAll_each_keep_their_own_deadline()
    {
        var (endA, endB, failed) = Run(async () =>
        {
            TimeSpan a = default, b = default;
            var start = Time.Now;
            var errors = await Catch(() => Task.WhenAll(
                CancelScope.FailAfter(S(10), async () => { await Time.SleepAsync(S(5)); a = Time.Now - start; }),
                CancelScope.FailAfter(S(1), async () => { await Time.SleepAsync(S(3)); b = Time.Now - start; })));
            return (a, b, errors);
        });
        // The first scope's deadline is 10 s: its 5 s body ends normally. The second times out at 1 s by itself.
        Assert.Equal(S(5), endA);
        Assert.Equal(TimeSpan.Zero, endB);
        Assert.IsType<TimeoutException>(failed);
    }

    [Fact]
    public void The_first_scope_under_Task_WhenAll_does_not_end_the_second_body()
    {
        var (caughtFirst, caughtSecond, secondDone) = Run(async () =>
        {
            var first = CancelScope.MoveOnAfter(S(1));
            var second = CancelScope.MoveOnAfter(S(10));
            bool done = false;
            await Task.WhenAll(
                first.RunAsync(() => Time.SleepForeverAsync().AsTask()),
                second.RunAsync(async () => { await Time.SleepAsync(S(5)); done = true; }));
            return (first.CancelledCaught, second.CancelledCaught, done);
        });
        Assert.True(caughtFirst);
        Assert.False(caughtSecond);
        Assert.True(secondDone);
    }

    [Fact]
    public void After_Task_WhenAll_of_scopes_the_current_scope_is_the_enclosing_one_and_its_cancel_still_reaches_the_task()
    {
        var outer = new CancelScope();
        CancelScope? current = null;
        bool cancelledLater = false;
        Run(async () =>
        {
            await outer.RunAsync(async () =>
            {
                await Task.WhenAll(
                    CancelScope.MoveOnAfter(S(1)).RunAsync(() => Time.SleepAsync(S(2)).AsTask()),
                    CancelScope.MoveOnAfter(S(3)).RunAsync(() => Time.SleepAsync(S(4)).AsTask()));
                current = CancelScope.Current;
                outer.Cancel("later");
                try { await Time.SleepAsync(S(1)); }
                catch (Cancelled) { cancelledLater = true; throw; }
            });
        });
        Assert.Same(outer, current);
        Assert.True(cancelledLater);
        Assert.True(outer.CancelledCaught);
    }

    [Fact]
    public void The_enclosing_scope_cancels_every_body_under_Task_WhenAll()
    {
        var outer = new CancelScope();
        int cancelled = 0;
        Run(async () =>
        {
            await outer.RunAsync(async () =>
            {
                async Task Body()
                {
                    try { await Time.SleepForeverAsync(); }
                    catch (Cancelled) { cancelled++; throw; }
                }
                var both = Task.WhenAll(new CancelScope().RunAsync(Body), new CancelScope().RunAsync(Body));
                await Time.SleepAsync(S(1));
                outer.Cancel();
                await both;
            });
        });
        Assert.Equal(2, cancelled);
        Assert.True(outer.CancelledCaught);
    }

    [Fact]
    public void The_code_that_starts_a_scope_body_without_awaiting_it_stays_in_its_own_scope()
    {
        var (beforeAwait, insideBody) = Run(async () =>
        {
            var scope = new CancelScope();
            CancelScope? inside = null;
            var body = scope.RunAsync(async () => { inside = CancelScope.Current; await Time.SleepAsync(S(1)); inside = CancelScope.Current; });
            var before = CancelScope.Current;
            await body;
            return (before, inside == scope);
        });
        Assert.Null(beforeAwait);
        Assert.True(insideBody);
    }

    [Fact]
    public void Exiting_a_scope_while_a_scope_opened_inside_it_still_runs_is_reported_and_the_inner_scope_is_cancelled()
    {
        Exception? error = null;
        bool innerCancelled = false;
        Run(async () =>
        {
            Task? leftRunning = null;
            error = await Catch(() => new CancelScope().RunAsync(async () =>
            {
                leftRunning = new CancelScope().RunAsync(async () =>
                {
                    try { await Time.SleepForeverAsync(); }
                    catch (Cancelled) { innerCancelled = true; throw; }
                });
                await Checkpoint.YieldAsync();
            }));
            await leftRunning!;
        });
        var corrupted = Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("Cancel scope stack corrupted", corrupted.Message, StringComparison.Ordinal);
        Assert.Contains("not awaited", corrupted.Message, StringComparison.Ordinal);
        Assert.True(innerCancelled);
    }

    [Fact]
    public void A_nursery_left_running_in_an_exited_scope_is_reported_and_cancelled()
    {
        Exception? error = null;
        bool childCancelled = false;
        Run(async () =>
        {
            Task? nursery = null;
            error = await Catch(() => new CancelScope().RunAsync(() =>
            {
                nursery = Nursery.RunAsync(n =>
                {
                    n.StartSoon(async () =>
                    {
                        try { await Time.SleepForeverAsync(); }
                        catch (Cancelled) { childCancelled = true; throw; }
                    });
                    return Task.CompletedTask;
                });
                return Task.CompletedTask;
            }));
            await Catch(() => nursery!);
        });
        Assert.IsType<InvalidOperationException>(error);
        Assert.True(childCancelled);
    }

    [Fact]
    public void The_task_tree_shows_every_flow_s_scopes()
    {
        string tree = Run(async () =>
        {
            var outer = new CancelScope();
            string? dump = null;
            await outer.RunAsync(async () =>
            {
                var waiting = Task.WhenAll(
                    CancelScope.MoveOnAfter(S(5)).RunAsync(() => Time.SleepForeverAsync().AsTask()),
                    new CancelScope(Time.Now + S(3), shield: true).RunAsync(() => Time.SleepForeverAsync().AsTask()));
                await Time.SleepAsync(S(1));
                dump = Loop.Current!.DumpTaskTree();
                outer.Cancel();
                await waiting;
            });
            return dump!;
        });
        Assert.True(tree.Contains("cancel scope, deadline 5 s after entry (in 4 s)", StringComparison.Ordinal), tree);
        Assert.True(tree.Contains("shielded", StringComparison.Ordinal), tree);
    }

    [Fact]
    public void Off_the_loop_two_scopes_under_Task_WhenAll_keep_their_own_cancellation()
    {
        OffLoop(async () =>
        {
            var first = new CancelScope();
            var second = new CancelScope();
            var started = new Event();
            bool secondDone = false;
            var both = Task.WhenAll(
                first.RunAsync(async () => { started.Set(); await Time.SleepForeverAsync(); }),
                second.RunAsync(async () => { await started.WaitAsync(); await Checkpoint.YieldAsync(); secondDone = true; }));
            await started.WaitAsync();
            first.Cancel();
            await both;
            Assert.True(first.CancelledCaught);
            Assert.False(second.CancelledCaught);
            Assert.True(secondDone);
            Assert.Null(CancelScope.Current);
        });
    }

    [Fact]
    public void A_checkpoint_awaited_as_a_Task_delivers_a_cancellation_of_its_scope_that_arrived_while_it_waited()
    {
        // The resume check asks the scope the checkpoint was called in, not the scope of whatever execution context
        // reads the result: AsTask() reads it in none, where only the task's root scope (not cancelled) would be seen.
        bool resumed = false;
        var scope = new CancelScope();
        Run(() => scope.RunAsync(async () =>
        {
            var yielded = Checkpoint.YieldAsync().AsTask();
            scope.Cancel();
            await yielded;
            resumed = true;
        }));
        Assert.False(resumed);
        Assert.True(scope.CancelledCaught);
    }

    [Fact]
    public void A_checkpoint_awaited_as_a_Task_in_a_shield_goes_on_in_a_cancelled_nursery()
    {
        bool cleanedUp = false;
        Run(() => Nursery.RunAsync(async n =>
        {
            n.StartSoon(async () =>
            {
                try
                {
                    await Time.SleepForeverAsync();
                }
                finally
                {
                    await new CancelScope { Shield = true }.RunAsync(() => Checkpoint.YieldAsync().AsTask());
                    cleanedUp = true;
                }
            });
            await Checkpoint.YieldAsync();
            n.CancelScope.Cancel();
        }));
        Assert.True(cleanedUp);
    }

    [Fact]
    public void Off_the_loop_a_flow_forked_inside_a_scope_body_is_in_the_same_task_and_scope()
    {
        // One AsyncLocal carries the flow's scope and, off the loop, its task (the scope's owner): a Task.Run inside the
        // body sees both, and a child task started there sees itself and its nursery's scope, not its spawner's.
        OffLoop(() => Nursery.RunAsync(n =>
        {
            n.StartSoon(async () =>
            {
                var task = TaskInfo.CurrentOrNull;
                var scope = new CancelScope();
                TaskInfo? inRun = null, inChild = null;
                CancelScope? scopeInRun = null, scopeInChild = null;
                await scope.RunAsync(async () =>
                {
                    await Task.Run(() =>
                    {
                        inRun = TaskInfo.CurrentOrNull;
                        scopeInRun = CancelScope.Current;
                    });
                    await Nursery.RunAsync(inner =>
                    {
                        inner.StartSoon(() =>
                        {
                            inChild = TaskInfo.CurrentOrNull;
                            scopeInChild = CancelScope.Current;
                            return Task.CompletedTask;
                        });
                        return Task.CompletedTask;
                    });
                });
                Assert.NotNull(task);
                Assert.Same(task, inRun);
                Assert.Same(scope, scopeInRun);
                Assert.NotNull(inChild);
                Assert.NotSame(task, inChild);
                Assert.Same(inChild!.CancelState, scopeInChild);
                Assert.Same(task, TaskInfo.CurrentOrNull);
            });
            return Task.CompletedTask;
        }));
    }

    [Fact]
    public void A_loop_task_s_scope_seen_on_a_pool_thread_is_outside_any_task_there()
    {
        TaskInfo? onPool = null;
        CancelScope? scopeOnPool = null, afterwards = null;
        var scope = new CancelScope();
        // The loop's real clock: the loop waits for the pool's work, a post back to it, not for a timer.
        OnFreshThread(() =>
        {
            Structured.Loop.Run(() => scope.RunAsync(async () =>
        {
                await Task.Run(() =>
                {
                    onPool = TaskInfo.CurrentOrNull;
                    scopeOnPool = CancelScope.Current;
                });
                afterwards = CancelScope.Current;
            }));
            return 0;
        });
        Assert.Null(onPool);
        Assert.Null(scopeOnPool);
        Assert.Same(scope, afterwards);
    }

    [Fact]
    public void A_child_spawned_inside_a_scope_of_its_spawner_runs_in_its_nursery_and_keeps_the_spawners_AsyncLocals()
    {
        // A loop child starts in its spawner's context without the spawner's flow scope (ChildExecutionContext): the
        // user's values still flow, the child is in its nursery's scope only, and the spawner's flow keeps its scope.
        var local = new AsyncLocal<string>();
        var inner = new CancelScope();
        string? seenByChild = null, spawnerAfter = null;
        bool childFinished = false, spawnerPassedCheckpoint = false;
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                await inner.RunAsync(async () =>
                {
                    local.Value = "spawner";
                    n.StartSoon(async () =>
                    {
                        await Time.SleepAsync(S(2)); // the inner scope is cancelled meanwhile: not this child's scope
                        seenByChild = local.Value;
                        childFinished = true;
                    });
                    spawnerAfter = local.Value;
                    inner.Cancel();
                    await Checkpoint.YieldAsync(); // the spawner is still in the inner scope: cancelled here
                    spawnerPassedCheckpoint = true;
                });
            });
        });
        Assert.True(childFinished);
        Assert.Equal("spawner", seenByChild);
        Assert.Equal("spawner", spawnerAfter);
        Assert.False(spawnerPassedCheckpoint);
        Assert.True(inner.CancelledCaught);
    }
}
