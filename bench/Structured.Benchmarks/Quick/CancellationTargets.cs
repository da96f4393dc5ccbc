namespace Benchmarks;

/// <summary>
/// Issue 13's target table (the cancellation path and a task's footprint), checked against one quick run: W6 and W5
/// against the one-throw floor measured in the same process, W4 against a linked token source, and the live heap of
/// 1,000,000 parked tasks (with <c>--scale</c>).
/// </summary>
public static class CancellationTargets
{
    /// <summary>The workload name of the floor row (<see cref="OneThrowFloor"/>).</summary>
    public const string FloorWorkload = "floor";

    /// <summary>The workload name of the scale row (live heap per parked task).</summary>
    public const string ParkedWorkload = "parked-1m";

    /// <summary>Checks every target row of issue 13; a row whose inputs were not measured says so.</summary>
    public static List<TargetCheck> Check(IReadOnlyList<Measurement> results)
    {
        Measurement? Find(string workload, string variant, string host)
            => results.FirstOrDefault(m => m.Workload == workload && m.Variant == variant && m.Host == host);

        var checks = new List<TargetCheck>();

        void Add(string row, string target, string measured, bool? met) => checks.Add(new TargetCheck(row, target, measured, met));

        void Ratio(string row, string target, double? ours, double? baseline, double limit, string unit)
        {
            if (ours is not double a || baseline is not double b || double.IsNaN(a) || double.IsNaN(b))
            {
                Add(row, target, "—", null);
                return;
            }
            double r = a / b;
            Add(row, target, $"{r:0.00}× ({Format.Number(a)} vs {Format.Number(b)} {unit})", r <= limit);
        }

        var floor = Find(FloorWorkload, "one-throw", Hosts.Loop);
        double? floorNs = floor?.NsPerOp;

        var w6 = Find("W6", "park-100k", Hosts.Loop);
        Ratio("W6 cancel 100,000 parked tasks, Loop, per task", "≤ 1.3× the one-throw floor", w6?.NsPerOp, floorNs, 1.3, "ns/task");
        Ratio("W6 linearity, Loop: 200,000 vs 100,000", "≤ 2.5×", Find("W6", "park-200k", Hosts.Loop)?.Seconds, w6?.Seconds, 2.5, "s");
        Ratio("W6 cancel 100,000 parked tasks, off Loop", "≤ 0.7× raw pool", Find("W6", "park-100k", Hosts.OffLoop)?.Seconds * 1e3,
            Find("W6", "park-100k", Hosts.Pool)?.Seconds * 1e3, 0.7, "ms");

        var w5 = Find("W5", "distinct-deadlines", Hosts.Loop);
        var w5Pool = Find("W5", "distinct-deadlines", Hosts.Pool);
        Ratio("W5 100,000 timeouts, Loop: excess over the ideal 1 s", "≤ 1.3× floor × N", w5 is null ? null : w5.Seconds - 1,
            floorNs is double f && w5 is not null ? f * 1e-9 * w5.N : null, 1.3, "s");
        Ratio("W5 bytes allocated per task, Loop", "≤ 0.8× raw pool", w5?.BytesPerOp, w5Pool?.BytesPerOp, 0.8, "B/task");

        var w4 = Find("W4", "deadline", Hosts.Loop);
        Ratio("W4 scope with 1 h deadline, enter + exit, Loop", "≤ 0.5× linked CTS + CancelAfter", w4?.NsPerOp, Find("W4", "linked-deadline", Hosts.Pool)?.NsPerOp, 0.5, "ns");
        if (Find("W4", "ec-copy", Hosts.Loop) is { } copy && w4 is not null)
            Add("W4 of which: the ExecutionContext copy alone (AsyncLocal write + restore)", "—",
                $"{Format.Number(copy.NsPerOp)} ns, {copy.BytesPerOp:0} B ({copy.NsPerOp / w4.NsPerOp:P0} of the scope's time)", null);
        var scope = Find("W4", "scope-object", Hosts.Loop);
        Add("W4 bytes per scope, Loop", "≤ 96 B", w4 is null ? "—"
            : $"{w4.BytesPerOp:0} B{(scope is null ? "" : $" (the CancelScope object {scope.Bytes:0} B, the rest the ExecutionContext copy of entering it)")}",
            w4 is null ? null : w4.BytesPerOp <= 96);

        var parked = Find(ParkedWorkload, "sleep", Hosts.Loop);
        Add("1,000,000 parked tasks in one nursery: live heap per task", "≤ 250 B", parked is null ? "— (run with --scale)" : $"{parked.Bytes:N0} B", parked is null ? null : parked.Bytes <= 250);
        return checks;
    }
}
