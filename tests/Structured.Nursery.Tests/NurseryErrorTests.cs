namespace NurseryTests;

public class NurseryErrorTests
{
    [Fact]
    public void A_failing_child_cancels_the_body_and_its_siblings_and_the_nursery_reports_only_that_error()
    {
        var record = new List<string>();
        var boom = new InvalidOperationException("boom");
        Exception? e = null;
        Run(async () =>
        {
            e = await Catch(() => Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    try { await Time.SleepForeverAsync(); }
                    catch (OperationCanceledException) { record.Add("sibling cancelled"); throw; }
                });
                n.StartSoon(async () => { await Time.SleepAsync(S(1)); throw boom; }, "failer");
                try { await Time.SleepForeverAsync(); }
                catch (OperationCanceledException c) { record.Add("body cancelled: " + c.Message); throw; }
            }));
        });
        var agg = Assert.IsType<AggregateException>(e);
        Assert.Same(boom, Assert.Single(agg.InnerExceptions));
        Assert.Contains("sibling cancelled", record);
        Assert.Contains(record, r => r.StartsWith("body cancelled", StringComparison.Ordinal) && r.Contains("failer") && r.Contains("boom"));
    }

    [Fact]
    public void A_hundred_children_failing_in_the_same_step_give_a_hundred_errors()
    {
        var errors = Enumerable.Range(0, 100).Select(i => new FormatException($"#{i}")).ToArray();
        Exception? e = null;
        Run(async () =>
        {
            var go = new Event();
            e = await Catch(() => Nursery.RunAsync(async n =>
            {
                foreach (var error in errors)
                    n.StartSoon(async () => { await go.WaitAsync(); throw error; });
                await Checkpoint.YieldAsync();
                go.Set(); // all hundred wake in the same step: the first failure cancels nothing they still await
            }));
        });
        var agg = Assert.IsType<AggregateException>(e);
        Assert.Equal(errors, agg.InnerExceptions);
    }

    [Fact]
    public void Errors_in_finally_blocks_during_the_cancellation_are_kept_in_completion_order()
    {
        var cause = new FormatException("cause");
        var late = new IOException("finally");
        Exception? e = null;
        Run(async () =>
        {
            e = await Catch(() => Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    try { await Time.SleepForeverAsync(); }
                    finally
                    {
                        await new CancelScope(shield: true).RunAsync(async () => await Time.SleepAsync(S(1)));
                        throw late;
                    }
                });
                n.StartSoon(async () => throw cause);
            }));
        });
        Assert.Equal(new Exception[] { cause, late }, Assert.IsType<AggregateException>(e).InnerExceptions);
    }

    [Fact]
    public void A_foreign_OperationCanceledException_is_an_ordinary_error()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var foreign = new OperationCanceledException("not ours", cts.Token);
        Exception? e = null;
        Run(async () =>
        {
            e = await Catch(() => Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await Time.SleepForeverAsync());
                n.StartSoon(async () => throw foreign);
            }));
        });
        Assert.Same(foreign, Assert.Single(Assert.IsType<AggregateException>(e).InnerExceptions));
    }

    [Fact]
    public void A_nursery_cancelled_from_outside_rethrows_a_cancellation_that_the_outer_scope_catches()
    {
        Exception? inner = null;
        var scope = new CancelScope();
        Run(async () =>
        {
            await scope.RunAsync(async () =>
            {
                inner = await Catch(() => Nursery.RunAsync(async n =>
                {
                    n.StartSoon(async () => await Time.SleepForeverAsync());
                    await Checkpoint.YieldAsync();
                    scope.Cancel();
                }));
                throw inner!;
            });
        });
        Assert.IsType<Cancelled>(inner);
        Assert.True(scope.CancelledCaught);
    }

    [Fact]
    public void A_nursery_of_many_children_cancelled_from_outside_rethrows_the_first_child_s_cancellation_alone()
    {
        // The nursery hands its scope the first cancellation alone, not an aggregate of them all (docs/performance.md,
        // issue 13): what comes out is the same object as before that change, the first child's.
        var childCancellations = new List<Exception>();
        Exception? thrown = null;
        var scope = new CancelScope();
        Run(async () =>
        {
            await scope.RunAsync(async () =>
            {
                thrown = await Catch(() => Nursery.RunAsync(async n =>
                {
                    for (int i = 0; i < 5; i++)
                    {
                        n.StartSoon(async () =>
                        {
                            try
                            {
                                await Time.SleepForeverAsync();
                            }
                            catch (Cancelled e)
                            {
                                childCancellations.Add(e);
                                throw;
                            }
                        });
                    }
                    await Checkpoint.YieldAsync();
                    scope.Cancel("stop");
                }));
                throw thrown!;
            });
        });
        Assert.Equal(5, childCancellations.Count);
        Assert.Same(childCancellations[0], thrown);
        Assert.Equal("Cancelled: stop", thrown!.Message);
        Assert.True(scope.CancelledCaught);
    }

    [Fact]
    public void A_failure_among_cancellations_from_outside_keeps_every_cancellation_until_the_outer_scope_strips_them()
    {
        // Mixed errors still go up as one aggregate of all of them, in completion order; the outer scope, whose
        // cancellation they are, strips the cancellations and lets the failure through.
        Exception? fromNursery = null, fromScope = null;
        var scope = new CancelScope();
        Run(async () =>
        {
            fromScope = await Catch(() => scope.RunAsync(async () =>
            {
                fromNursery = await Catch(() => Nursery.RunAsync(async n =>
                {
                    n.StartSoon(async () => await Time.SleepForeverAsync());
                    n.StartSoon(async () => await Time.SleepForeverAsync());
                    n.StartSoon(async () =>
                    {
                        try
                        {
                            await Time.SleepForeverAsync();
                        }
                        finally
                        {
                            // A cleanup that fails after a checkpoint: its error replaces the child's cancellation.
                            await new CancelScope { Shield = true }.RunAsync(() => Checkpoint.YieldAsync().AsTask());
                            throw new FormatException("cleanup failed");
                        }
                    });
                    await Checkpoint.YieldAsync();
                    scope.Cancel();
                }));
                throw fromNursery!;
            }));
        });
        Assert.Collection(Assert.IsType<AggregateException>(fromNursery).InnerExceptions,
            e => Assert.IsType<Cancelled>(e),
            e => Assert.IsType<Cancelled>(e),
            e => Assert.IsType<FormatException>(e));
        var failure = Assert.Single(Assert.IsType<AggregateException>(fromScope).InnerExceptions);
        Assert.Equal("cleanup failed", Assert.IsType<FormatException>(failure).Message);
    }

    [Fact]
    public void Aggregate_helpers_test_pick_and_split_by_type_keeping_the_nesting()
    {
        var group = new AggregateException(new FormatException("a"), new AggregateException(new TimeoutException("b"), new FormatException("c")), new TimeoutException("d"));
        Assert.True(group.Contains<TimeoutException>());
        Assert.False(group.Contains<IOException>());
        Assert.Equal(new[] { "a", "c" }, group.Find<FormatException>().Select(e => e.Message));
        var (timeouts, others) = group.Split<TimeoutException>();
        Assert.Equal("[[TimeoutException], TimeoutException]", timeouts!.Shape());
        Assert.Equal("[FormatException, [FormatException]]", others!.Shape());
        Assert.Null(group.Split<IOException>().Matching);
        Assert.Equal(4, group.Leaves().Count());
        Assert.Throws<ArgumentNullException>(() => ((AggregateException)null!).Leaves());
    }
}
