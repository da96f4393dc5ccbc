namespace NurseryTests;

public class CancelScopeTests
{
    [Fact]
    public void Cancellation_is_level_triggered_every_checkpoint_throws_until_the_scope_is_left()
    {
        int thrown = 0;
        var scope = new CancelScope();
        Run(async () =>
        {
            await scope.RunAsync(async () =>
            {
                scope.Cancel();
                for (int i = 0; i < 3; i++)
                {
                    try { await Checkpoint.YieldAsync(); } catch (Cancelled) { thrown++; }
                    try { await Time.SleepAsync(S(1)); } catch (Cancelled) { thrown++; }
                    try { await new Event().WaitAsync(); } catch (Cancelled) { thrown++; }
                }
            });
            await Checkpoint.YieldAsync();
        });
        Assert.Equal(9, thrown);
        Assert.False(scope.CancelledCaught);
    }

    [Fact]
    public void The_outermost_cancelled_scope_catches_and_code_after_it_runs()
    {
        var outer = new CancelScope();
        var inner = new CancelScope();
        bool after = false;
        Run(async () =>
        {
            await outer.RunAsync(async () =>
            {
                await inner.RunAsync(async () =>
                {
                    inner.Cancel();
                    outer.Cancel();
                    await Checkpoint.YieldAsync();
                });
            });
            after = true;
        });
        Assert.True(after);
        Assert.True(outer.CancelledCaught);
        Assert.False(inner.CancelledCaught);
    }

    [Fact]
    public void A_shield_keeps_outer_cancellation_out_and_dropping_it_lets_it_in_at_the_next_checkpoint()
    {
        var outer = new CancelScope();
        var steps = new List<string>();
        Run(async () =>
        {
            await outer.RunAsync(async () =>
            {
                var shielded = new CancelScope(shield: true);
                await shielded.RunAsync(async () =>
                {
                    outer.Cancel();
                    await Checkpoint.YieldAsync();
                    steps.Add("shielded ran");
                    shielded.Shield = false;
                    try { await Checkpoint.YieldAsync(); }
                    catch (Cancelled) { steps.Add("cancelled after unshield"); throw; }
                });
            });
        });
        Assert.Equal(new[] { "shielded ran", "cancelled after unshield" }, steps);
        Assert.True(outer.CancelledCaught);
    }

    [Fact]
    public void Cancel_before_entry_applies_at_the_first_checkpoint_inside()
    {
        var scope = new CancelScope();
        scope.Cancel();
        bool ranUntilCheckpoint = false;
        Run(async () => await scope.RunAsync(async () => { ranUntilCheckpoint = true; await Checkpoint.YieldAsync(); Assert.Fail("not reached"); }));
        Assert.True(ranUntilCheckpoint);
        Assert.True(scope.CancelledCaught);
    }

    [Fact]
    public void Cancel_from_another_task_wakes_a_task_blocked_inside()
    {
        var scope = new CancelScope();
        TimeSpan woke = default;
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { await scope.RunAsync(async () => await Time.SleepForeverAsync()); woke = Time.Now; });
                await Time.SleepAsync(S(3));
                scope.Cancel();
            });
        });
        Assert.Equal(S(3), woke);
        Assert.True(scope.CancelledCaught);
    }

    [Fact]
    public void A_hundred_threads_cancelling_a_loop_scope_at_once_end_it_once()
    {
        var scope = new CancelScope();
        Run(async () =>
        {
            await scope.RunAsync(async () =>
            {
                var threads = Enumerable.Range(0, 100).Select(i => new Thread(() => scope.Cancel($"thread {i}")) { IsBackground = true }).ToList();
                threads.ForEach(t => t.Start());
                await Time.SleepForeverAsync();
            });
        }, new LoopOptions());
        Assert.True(scope.CancelledCaught);
        Assert.StartsWith("thread ", scope.CancelReason);
    }

    [Fact]
    public void Entering_a_scope_twice_throws_InvalidOperationException()
    {
        var scope = new CancelScope();
        Run(async () =>
        {
            await scope.RunAsync(async () => await Checkpoint.YieldAsync());
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => scope.RunAsync(async () => await Checkpoint.YieldAsync()));
            Assert.Contains("runs once", e.Message);
        });
    }

    [Fact]
    public void RunAsync_with_a_null_body_throws_ArgumentNullException()
        => Run(async () =>
        {
            await Assert.ThrowsAsync<ArgumentNullException>(() => new CancelScope().RunAsync(null!));
            await Assert.ThrowsAsync<ArgumentNullException>(() => new CancelScope().RunAsync<int>(null!));
        });

    [Fact]
    public void Every_cancellation_says_why()
    {
        string? explicitReason = null, deadlineReason = null, siblingReason = null, outerReason = null;
        Run(async () =>
        {
            var scope = new CancelScope();
            await scope.RunAsync(async () =>
            {
                scope.Cancel("shutting down for maintenance");
                try { await Checkpoint.YieldAsync(); } catch (Cancelled c) { explicitReason = c.Message; }
            });
            await CancelScope.MoveOnAfter(S(1)).RunAsync(async () =>
            {
                try { await Time.SleepForeverAsync(); } catch (Cancelled c) { deadlineReason = c.Reason; throw; }
            });
            await Catch(() => Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { try { await Time.SleepForeverAsync(); } catch (Cancelled c) { siblingReason = c.Reason; throw; } });
                n.StartSoon(async () => throw new TimeoutException("upstream timed out"), "fetcher");
            }));
            var outer = new CancelScope();
            await outer.RunAsync(async () => await new CancelScope().RunAsync(async () =>
            {
                outer.Cancel("outer gave up");
                try { await Checkpoint.YieldAsync(); } catch (Cancelled c) { outerReason = c.Reason; throw; }
            }));
        });
        Assert.Contains("shutting down for maintenance", explicitReason);
        Assert.Contains("deadline", deadlineReason);
        Assert.Contains("fetcher", siblingReason);
        Assert.Contains("upstream timed out", siblingReason);
        Assert.Equal("outer gave up", outerReason);
    }

    [Fact]
    public void Deep_nesting_of_5000_scopes_cancels_the_innermost_without_overflowing()
    {
        bool cancelled = false;
        Run(async () =>
        {
            var scopes = Enumerable.Range(0, 5000).Select(_ => new CancelScope()).ToArray();
            async Task Nest(int i)
            {
                if (i == scopes.Length)
                {
                    scopes[0].Cancel();
                    try { await Time.SleepForeverAsync(); } catch (Cancelled) { cancelled = true; }
                    return;
                }
                await scopes[i].RunAsync(() => Nest(i + 1));
            }
            await Nest(0);
        });
        Assert.True(cancelled);
    }
}
