using Structured;

namespace Benchmarks;

/// <summary>
/// Exact bytes (and times, alternated) of the hot paths of issue 24, with a budget per case: <c>--bytes</c> prints
/// them and exits 1 when a case allocates more than its budget. Bytes are deterministic (each case is the least of
/// several windows, so a one-off allocation such as a tiered JIT compile does not count); times are never gated on.
/// </summary>
public static class HotPathBytes
{
    /// <summary>One case: what it measures, where it runs, its per-operation work and its byte budget (null: a twin, no budget).</summary>
    /// <remarks><paramref name="LeastTwin"/>: a second twin that does less than what a user writes (the scope's inline linked CTS), its ratio shown beside.</remarks>
    sealed record Case(string Name, string Host, int N, Func<int, Task<double>> Body, double? Budget, string? Twin = null, string? LeastTwin = null);

    const string LinkedCtsFair = "linked CTS + CancelAfter(1 h) in an async method awaiting a body (fair twin)";
    const string LinkedCtsLeast = "linked CTS + CancelAfter(1 h), inline, no body (least twin)";

    /// <summary>W1 with the child <c>static async () => { }</c>, for the allocation profile and the loop-CPU mode.</summary>
    public static Task<double> SpawnJoinAsyncLambdaAsync(int n) => SpawnJoin.StructuredAsync(n, SpawnJoin.Body.AsyncLambda);

    static List<Case> Cases()
    {
        // Budgets are regression guards at today's level plus a little (bytes are exact, so any new allocation on a hot
        // path trips them), at or under issue 24's targets where those are met: 1.5x the raw pool's 152-162 B for W1 (232 B while the bench set CurrentCulture), 1.25x
        // Task.Delay's 168 B for a sleep. The scope's target (1.0x the linked CTS, 160 B) is not met: its budget is its
        // level, and its floor is explained in docs/performance.md, "The thread-pool path". Each loop window is a fresh Loop.Run (its ready queue grows).
        var cases = new List<Case>
        {
            new("W1 spawn+join, async lambda", Hosts.Loop, 100_000, SpawnJoinAsyncLambdaAsync, 200, "W1 raw pool"),
            new("W1 spawn+join, method group", Hosts.Loop, 100_000, n => SpawnJoin.StructuredAsync(n, SpawnJoin.Body.MethodGroup), 200, "W1 raw pool"),
            new("W1 spawn+join, () => Task.CompletedTask", Hosts.Loop, 100_000, n => SpawnJoin.StructuredAsync(n, yield: false), 200, "W1 raw pool"),
            new("W1 spawn+join off Loop, async lambda", Hosts.OffLoop, 100_000, SpawnJoinAsyncLambdaAsync, 240, "W1 raw pool"),
            new("W1 raw pool", Hosts.Pool, 100_000, n => SpawnJoin.RawAsync(n, SpawnJoin.Body.AsyncLambda), null),
#if WITH_CHANNELS
            new("W2 ping-pong cap0 (per round trip)", Hosts.Loop, 200_000, n => PingPong.StructuredAsync(n, 0), 8),
#endif
            new("Time.SleepAsync(1 ms) off Loop", Hosts.OffLoop, 500, OffLoopTwins.SleepAsync, 210, "Task.Delay(1 ms)"),
            new("Task.Delay(1 ms)", Hosts.Pool, 500, OffLoopTwins.DelayAsync, null),
            // The scope rows: 144 B of scope object (152 B before its state became bytes) plus an ExecutionContext copy of
            // 88 B (104 B while the flow's task and scope were two AsyncLocals); outside any task the scope is the root of an
            // implicit task (568 B while it made a list of top-level scopes, its lock, a NurseryTask and two copies).
            // Each budget is that level plus 2 B: a window's one-off bytes (the nursery, the loop) spread over the operations.
            new("CancelScope.MoveOnAfter(1 h).RunAsync off Loop, in a task", Hosts.OffLoop, 100_000, n => ScopeCost.StructuredInTaskAsync(n, deadline: true), 234, LinkedCtsFair, LinkedCtsLeast),
            new("CancelScope.MoveOnAfter(1 h).RunAsync off Loop, outside any task", Hosts.OffLoop, 100_000, OffLoopTwins.ScopeWithDeadlineRunAsync, 338, LinkedCtsFair, LinkedCtsLeast),
            new("CancelScope.MoveOnAfter(1 h).RunAsync<int> off Loop, outside any task", Hosts.OffLoop, 100_000, OffLoopTwins.ScopeWithDeadlineRunOfTAsync, 338, LinkedCtsFair, LinkedCtsLeast),
            new("CancelScope.MoveOnAfter(1 h).RunAsync on the Loop (W4)", Hosts.Loop, 100_000, n => ScopeCost.StructuredAsync(n, deadline: true), 234, LinkedCtsFair, LinkedCtsLeast),
            new("CancelScope.MoveOnAfter(1 h), the object alone", Hosts.Pool, 100_000, ScopeCost.ScopeObjectsAsync, 146),
            new(LinkedCtsFair, Hosts.Pool, 100_000, n => OffLoopTwins.LinkedCtsAsyncMethod(n, s_outer.Token), null),
            new(LinkedCtsLeast, Hosts.Pool, 100_000, n => OffLoopTwins.LinkedCts(n, s_outer.Token), null),
            new("Event.WaitAsync off Loop", Hosts.OffLoop, 100_000, OffLoopTwins.EventWaitAsync, 130, "TaskCompletionSource"),
            new("TaskCompletionSource", Hosts.Pool, 100_000, OffLoopTwins.TcsWaitAsync, null),
#if WITH_CHANNELS
            new("channel receive that waits, off Loop", Hosts.OffLoop, 100_000, OffLoopTwins.ChannelWaitAsync, 40, "System.Threading.Channels ReadAsync"),
#endif
            new("System.Threading.Channels ReadAsync", Hosts.Pool, 100_000, OffLoopTwins.BclChannelWaitAsync, null),
        };
        return cases;
    }

    static readonly CancellationTokenSource s_outer = new();

    /// <summary>Runs every case (or those whose name contains <paramref name="filter"/>); prints bytes, time ratios and verdicts; returns 1 when a budget is exceeded.</summary>
    public static int Run(string? filter, int windows = 3)
    {
        var cases = Cases().Where(c => filter is null || c.Name.Contains(filter, StringComparison.OrdinalIgnoreCase) || c.Twin?.Contains(filter, StringComparison.OrdinalIgnoreCase) == true
            || c.LeastTwin?.Contains(filter, StringComparison.OrdinalIgnoreCase) == true).ToList();
        var byName = new Dictionary<string, (double Bytes, double Ns, double FreshNs, double FreshBytes)>();
        // Fresh: the first window of the process for that case (tier-0 code, first-use allocations); then warm windows,
        // the least bytes and the median time. Windows of the cases are alternated, so a load change hits them all.
        var bytes = cases.ToDictionary(c => c.Name, _ => new List<double>());
        var times = cases.ToDictionary(c => c.Name, _ => new List<double>());
        for (int w = 0; w <= windows; w++)
        {
            foreach (var c in cases)
            {
                var (b, s) = Hosts.Run(c.Host, () => MeasureAsync(c));
                bytes[c.Name].Add(b);
                times[c.Name].Add(s);
            }
        }
        int failures = 0;
        Console.WriteLine("| case | bytes/op (fresh) | bytes/op | ns/op (fresh) | ns/op | vs twin: bytes | vs twin: time | vs least twin: bytes | vs least twin: time | budget B |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in cases)
        {
            var warmBytes = bytes[c.Name].Skip(1).Min();
            var warmNs = Repeat.Median(times[c.Name].Skip(1)) * 1e9 / c.N;
            byName[c.Name] = (warmBytes, warmNs, times[c.Name][0] * 1e9 / c.N, bytes[c.Name][0]);
        }
        foreach (var c in cases)
        {
            var m = byName[c.Name];
            var (vsBytes, vsTime) = Ratios(m, c.Twin);
            var (vsLeastBytes, vsLeastTime) = Ratios(m, c.LeastTwin);
            string verdict = "";
            if (c.Budget is { } budget)
            {
                bool ok = m.Bytes <= budget;
                if (!ok)
                    failures++;
                verdict = $"{budget:0} {(ok ? "ok" : "**OVER**")}";
            }
            Console.WriteLine($"| {c.Name} | {m.FreshBytes:0.0} | {m.Bytes:0.0} | {m.FreshNs:0} | {m.Ns:0} | {vsBytes} | {vsTime} | {vsLeastBytes} | {vsLeastTime} | {verdict} |");
        }
        if (failures > 0)
            Console.WriteLine($"{failures} hot path(s) allocate more than their budget.");
        return failures == 0 ? 0 : 1;

        (string Bytes, string Time) Ratios((double Bytes, double Ns, double FreshNs, double FreshBytes) m, string? twin)
            => twin is not null && byName.TryGetValue(twin, out var t) ? ($"{m.Bytes / t.Bytes:0.00}x", $"{m.Ns / t.Ns:0.00}x") : ("", "");
    }

    static async Task<(double Bytes, double Seconds)> MeasureAsync(Case c)
    {
        Repeat.FullCollect();
        // On the Loop everything runs on this thread: its own counter is exact. Off it the pool's threads allocate too.
        bool onLoop = c.Host == Hosts.Loop;
        long before = onLoop ? GC.GetAllocatedBytesForCurrentThread() : GC.GetTotalAllocatedBytes(precise: true);
        double seconds = await c.Body(c.N);
        long after = onLoop ? GC.GetAllocatedBytesForCurrentThread() : GC.GetTotalAllocatedBytes(precise: true);
        return ((after - before) / (double)c.N, seconds);
    }
}
