namespace Benchmarks;

/// <summary>Issue 7's target table, checked against one quick run (every ratio from the same run).</summary>
public static class Targets
{
    const double MiB = 1024 * 1024;

    /// <summary>Checks every target row; a row whose inputs were not measured says so.</summary>
    public static List<TargetCheck> Check(IReadOnlyList<Measurement> results, PythonReferences? python)
    {
        Measurement? Find(string workload, string variant, string host)
            => results.FirstOrDefault(m => m.Workload == workload && m.Variant == variant && m.Host == host);

        var checks = new List<TargetCheck>();

        void Ratio(string row, string target, Measurement? ours, Measurement? baseline, double limit, bool atMost, Func<Measurement, double> metric, string unit)
        {
            if (ours is null || baseline is null)
            {
                checks.Add(new TargetCheck(row, target, "—", null));
                return;
            }
            double a = metric(ours), b = metric(baseline), r = a / b;
            checks.Add(new TargetCheck(row, target, $"{r:0.00}× ({Format.Number(a)} vs {Format.Number(b)} {unit})", atMost ? r <= limit : r >= limit));
        }

        // W1
        var w1Loop = Find("W1", "noop", Hosts.Loop);
        var w1Pool = Find("W1", "noop", Hosts.Pool);
        Ratio("W1 spawn + join, noop child: time", "≤ 1.0× raw pool", w1Loop, w1Pool, 1.0, true, m => m.NsPerOp, "ns/child");
        Ratio("W1 spawn + join, noop child: bytes", "≤ 1.5× raw pool", w1Loop, w1Pool, 1.5, true, m => m.BytesPerOp, "B/child");

        // W2
        var w2 = Find("W2", "cap0", Hosts.Loop);
        var w2Context = Find("W2", "cap1", Hosts.AsyncContext);
        checks.Add(w2 is null
            ? new TargetCheck("W2 ping-pong, rendezvous, Loop", "≤ 250 ns per round trip", "— (Structured.Channels not built)", null)
            : new TargetCheck("W2 ping-pong, rendezvous, Loop", "≤ 250 ns per round trip",
                $"{w2.NsPerOp:N0} ns{(w2Context is null ? "" : $" (AsyncContext + bounded(1) BCL channel: {w2Context.NsPerOp:N0} ns)")}",
                w2.NsPerOp <= 250));
        if (python?.Get("Trio", "W2", "cap0", "ns_per_round_trip") is double trio)
        {
            checks.Add(w2 is null
                ? new TargetCheck("W2 rendezvous vs Trio (issue 4)", "≥ 20× faster than Trio", "—", null)
                : new TargetCheck("W2 rendezvous vs Trio (issue 4)", "≥ 20× faster than Trio", $"{trio / w2.NsPerOp:0}× ({w2.NsPerOp:N0} vs {trio:N0} ns)", trio / w2.NsPerOp >= 20));
        }

        // W3: throughput ratios are inverse time ratios.
        foreach (var variant in new[] { "b1024-1p1c", "b1024-4p4c" })
        {
            string shape = variant.EndsWith("1p1c", StringComparison.Ordinal) ? "1→1" : "4→4";
            foreach (var (suffix, consumer) in new[] { ("", "await foreach"), (QuickRun.TryReceiveSuffix, "TryReceive loop") })
            {
                Ratio($"W3 bounded 1024, {shape}, Loop ({consumer}): items/s", "≥ 1.5× AsyncContext + BCL channel",
                    Find("W3", variant + suffix, Hosts.Loop), Find("W3", variant, Hosts.AsyncContext), 1.5, false, m => m.OpsPerSecond / 1e6, "M items/s");
                Ratio($"W3 bounded 1024, {shape}, off Loop ({consumer}): items/s", "≥ 0.8× raw pool BCL channel",
                    Find("W3", variant + suffix, Hosts.OffLoop), Find("W3", variant, Hosts.Pool), 0.8, false, m => m.OpsPerSecond / 1e6, "M items/s");
            }
        }
        var w3Bytes = results.Where(m => m.Workload == "W3" && m.Variant.StartsWith("b1024", StringComparison.Ordinal) && m.Host is Hosts.Loop or Hosts.OffLoop).ToList();
        checks.Add(w3Bytes.Count == 0
            ? new TargetCheck("W3 allocation per item once warm (issue 4), Structured", "none", "—", null)
            : new TargetCheck("W3 allocation per item once warm (issue 4), Structured, bounded 1024", "none (< 1 B/item over 1,000,000 items)",
                $"at most {w3Bytes.Max(m => m.BytesPerOp):0.00} B/item ({string.Join(", ", w3Bytes.OrderByDescending(m => m.BytesPerOp).Take(2).Select(m => $"{m.Variant} {m.Host} {m.BytesPerOp:0.00}"))})",
                w3Bytes.All(m => m.BytesPerOp < 1)));

        // W4
        var w4Loop = Find("W4", "deadline", Hosts.Loop);
        Ratio("W4 scope with deadline, enter + exit, Loop", "≤ 0.5× linked CTS + CancelAfter", w4Loop, Find("W4", "linked-deadline", Hosts.Pool), 0.5, true, m => m.NsPerOp, "ns");
        var scope = Find("W4", "scope-object", Hosts.Loop);
        checks.Add(w4Loop is null || scope is null
            ? new TargetCheck("W4 allocation besides the scope", "0 B", "—", null)
            : new TargetCheck("W4 allocation besides the scope", "0 B",
                $"{w4Loop.BytesPerOp - scope.Bytes:0.0} B ({w4Loop.BytesPerOp:0.0} B/scope, the CancelScope object is {scope.Bytes:0} B)", w4Loop.BytesPerOp - scope.Bytes < 1));

        // W5
        var w5 = Find("W5", "distinct-deadlines", Hosts.Loop);
        var w5Pool = Find("W5", "distinct-deadlines", Hosts.Pool);
        checks.Add(w5 is null
            ? new TargetCheck("W5 100,000 distinct timeouts, Loop: over the ideal 1 s", "≤ 0.2 s", "—", null)
            : new TargetCheck("W5 100,000 distinct timeouts, Loop: over the ideal 1 s", "≤ 0.2 s",
                $"{w5.Seconds - 1:0.000} s{(w5Pool is null ? "" : $" (raw pool {w5Pool.Seconds - 1:0.000} s)")}", w5.Seconds - 1 <= 0.2));
        checks.Add(w5 is null
            ? new TargetCheck("W5 peak RSS growth, Loop", "≤ 60 MiB", "—", null)
            : new TargetCheck("W5 peak RSS growth, Loop", "≤ 60 MiB",
                $"{w5.Extra / MiB:0.0} MiB{(w5Pool is null ? "" : $" (raw pool {w5Pool.Extra / MiB:0.0} MiB)")}", w5.Extra / MiB <= 60));

        // W6
        var w6 = Find("W6", "park-100k", Hosts.Loop);
        Ratio("W6 cancel 100,000 parked tasks, Loop", "≤ 0.5× raw pool", w6, Find("W6", "park-100k", Hosts.Pool), 0.5, true, m => m.Seconds * 1e3, "ms");
        Ratio("W6 linearity, Loop: 200,000 vs 100,000", "≤ 2.5×", Find("W6", "park-200k", Hosts.Loop), w6, 2.5, true, m => m.Seconds * 1e3, "ms");

        // Posting: a speed-up, so the baseline's time over ours.
        var postLoop = Find("post", "same-thread", Hosts.Loop);
        var postContext = Find("post", "same-thread", Hosts.AsyncContext);
        checks.Add(postLoop is null || postContext is null
            ? new TargetCheck("Loop: same-thread posts", "≥ 3× AsyncContext", "—", null)
            : new TargetCheck("Loop: same-thread posts", "≥ 3× AsyncContext",
                $"{postContext.NsPerOp / postLoop.NsPerOp:0.0}× ({postLoop.NsPerOp:0.0} vs {postContext.NsPerOp:0.0} ns/callback)", postContext.NsPerOp / postLoop.NsPerOp >= 3));
        return checks;
    }
}
