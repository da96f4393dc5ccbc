namespace Stress;

/// <summary>
/// Several flows of one task (issue 12, items 1 and 15): <c>Task.WhenAll</c> of cancel scopes' bodies, where each scope
/// keeps its own deadline and the enclosing scope's cancellation still reaches the task afterwards; and
/// <c>Parallel.ForEachAsync</c> and <c>Task.Run</c> inside an off-loop child, sleeping, yielding and opening scopes:
/// every iteration completes, no wake-up is lost, nothing escapes onto a pool thread.
/// </summary>
internal static class Flows
{
    static readonly TimeSpan s_roundLimit = TimeSpan.FromMinutes(2); // a hang guard (a lost wake-up), not a margin: a round takes milliseconds

    internal static void WhenAllOfScopes(StressContext context)
    {
        var random = new Random(context.Seed);
        context.Enter("on the loop");
        Harness.OnLoop(context, context.Seed, async () =>
        {
            for (int r = 0; r < context.Mode.FlowRounds; r++)
            {
                var a = TimeSpan.FromMilliseconds(random.Next(1, 1000));
                var b = TimeSpan.FromMilliseconds(random.Next(1, 1000));
                if (!await WhenAllRoundAsync(context, $"on the loop, round {r}", a, b, exact: true))
                    break;
            }
        });
        context.Enter("off the loop");
        for (int r = 0; r < context.Mode.FlowRounds; r++)
        {
            var a = TimeSpan.FromMilliseconds(random.Next(1, 5));
            var b = TimeSpan.FromMilliseconds(random.Next(1, 5));
            var round = Task.Run(() => WhenAllRoundAsync(context, $"off the loop, round {r}", a, b, exact: false));
            if (!round.Wait(s_roundLimit))
            {
                context.Figures.AddHang();
                context.Figures.Fail($"off the loop, round {r}: no end within {s_roundLimit.TotalSeconds} s (deadlines {a.TotalMilliseconds} and {b.TotalMilliseconds} ms)");
                break;
            }
            if (!round.Result)
                break;
        }
    }

    /// <summary>One round; false (with a failure recorded) when a rule broke, so that the scenario stops there.</summary>
    static async Task<bool> WhenAllRoundAsync(StressContext context, string where, TimeSpan a, TimeSpan b, bool exact)
    {
        try
        {
            var outer = new CancelScope();
            string? broken = null;
            await outer.RunAsync(async () =>
            {
                var start = Time.Now;
                var first = CancelScope.MoveOnAfter(a);
                var second = CancelScope.MoveOnAfter(b);
                TimeSpan firstEnd = TimeSpan.Zero, secondEnd = TimeSpan.Zero;
                await Task.WhenAll(
                    first.RunAsync(async () =>
                    {
                        try
                        {
                            await Time.SleepForeverAsync();
                        }
                        finally
                        {
                            firstEnd = Time.Now - start;
                        }
                    }),
                    second.RunAsync(async () =>
                    {
                        try
                        {
                            await Time.SleepForeverAsync();
                        }
                        finally
                        {
                            secondEnd = Time.Now - start;
                        }
                    }));
                if (!first.CancelledCaught || !second.CancelledCaught)
                    broken = $"a scope did not end by its own deadline (caught: {first.CancelledCaught}, {second.CancelledCaught})";
                else if (exact && (firstEnd != a || secondEnd != b))
                    broken = $"the bodies ended at {firstEnd.TotalMilliseconds} and {secondEnd.TotalMilliseconds} ms, not at their own deadlines {a.TotalMilliseconds} and {b.TotalMilliseconds} ms";
                else if (!exact && (firstEnd < a || secondEnd < b))
                    broken = $"a body ended before its deadline ({firstEnd.TotalMilliseconds} < {a.TotalMilliseconds} or {secondEnd.TotalMilliseconds} < {b.TotalMilliseconds} ms)";
                else if (!ReferenceEquals(CancelScope.Current, outer))
                    broken = $"after Task.WhenAll, CancelScope.Current is {CancelScope.Current?.ToString() ?? "null"}, not the enclosing scope";
                if (broken is not null)
                    return;
                // The enclosing scope's cancellation must still reach this task.
                outer.Cancel("the enclosing scope is cancelled after Task.WhenAll");
                var before = Time.Now;
                await Time.SleepAsync(exact ? TimeSpan.FromHours(1) : TimeSpan.FromSeconds(2));
                broken = $"the enclosing scope's Cancel() did not reach the task (it slept {(Time.Now - before).TotalMilliseconds} ms)";
            });
            if (broken is null && !outer.CancelledCaught)
                broken = "the enclosing scope did not catch its own cancellation";
            if (broken is not null)
            {
                context.Figures.Fail($"{where} (deadlines {a.TotalMilliseconds} and {b.TotalMilliseconds} ms): {broken}");
                return false;
            }
            context.Figures.AddItems(1);
            return true;
        }
        catch (Exception e)
        {
            context.Figures.Fail($"{where} (deadlines {a.TotalMilliseconds} and {b.TotalMilliseconds} ms): threw {e}");
            return false;
        }
    }

    internal static void ParallelForEach(StressContext context)
    {
        for (int r = 0; r < context.Mode.FlowRounds; r++)
        {
            context.Enter($"round {r}");
            long iterations = 0, runs = 0;
            int seed = context.Seed + r;
            Exception? error = null;
            var round = Task.Run(async () =>
            {
                try
                {
                await Nursery.RunAsync(async n =>
                {
                    n.StartSoon(async () =>
                    {
                        await Parallel.ForEachAsync(Enumerable.Range(0, 32), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, token) =>
                        {
                            await Time.SleepAsync(TimeSpan.FromTicks((seed + i) % 5 * 1000), token);
                            await Checkpoint.YieldAsync(token);
                            await CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(1)).RunAsync(() => Time.SleepAsync(TimeSpan.FromTicks(i % 3 * 5000)).AsTask());
                            Interlocked.Increment(ref iterations);
                        });
                    }, "Parallel.ForEachAsync");
                    n.StartSoon(async () =>
                    {
                        await Task.WhenAll(Enumerable.Range(0, 4).Select(k => Task.Run(async () =>
                        {
                            await Time.SleepAsync(TimeSpan.FromTicks((seed + k) % 4 * 1000));
                            await Checkpoint.YieldAsync();
                            Interlocked.Increment(ref runs);
                        })));
                    }, "Task.Run");
                    await Task.CompletedTask;
                });
                }
                catch (Exception e)
                {
                    error = e;
                }
            });
            bool ended = round.Wait(s_roundLimit);
            if (ended && error is not null)
            {
                context.Figures.Fail($"round {r}: threw {error}");
                break;
            }
            if (!ended)
            {
                context.Figures.AddHang();
                context.Figures.Fail($"round {r}: no end within {s_roundLimit.TotalSeconds} s ({Interlocked.Read(ref iterations)} of 32 iterations and {Interlocked.Read(ref runs)} of 4 Task.Run flows done): a lost wake-up");
                break;
            }
            context.Figures.AddItems(Interlocked.Read(ref iterations) + Interlocked.Read(ref runs));
            if (Interlocked.Read(ref iterations) != 32 || Interlocked.Read(ref runs) != 4)
            {
                context.Figures.Fail($"round {r}: {Interlocked.Read(ref iterations)} of 32 iterations, {Interlocked.Read(ref runs)} of 4 flows");
                break;
            }
        }
    }
}
