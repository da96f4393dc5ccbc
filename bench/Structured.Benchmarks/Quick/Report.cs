using System.Runtime.InteropServices;
using System.Text;

namespace Benchmarks;

/// <summary>The quick mode's Markdown report: targets, measurements, Python peers, scale checks.</summary>
public static class Report
{
    const double MiB = 1024 * 1024;

    static readonly (string Host, string Title)[] s_columns =
    [
        (Hosts.Loop, "Structured, Loop"), (Hosts.OffLoop, "Structured, off Loop"), (Hosts.Pool, "raw pool"), (Hosts.AsyncContext, "raw AsyncContext"),
    ];

    /// <summary>Builds the report.</summary>
    public static string Build(IReadOnlyList<Measurement> results, List<TargetCheck> targets, List<TargetCheck> cancellationTargets, PythonReferences? python, List<string>? scale, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine($"### Quick mode, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine($"{Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, " +
            $"GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}; load average at the end {LoadAverage()}; whole run {elapsed.TotalSeconds:0} s. " +
            "Medians of the repetitions after one warm-up; W5 one fresh process per repetition.");
        text.AppendLine();

        text.AppendLine("#### Targets (issue 7)");
        text.AppendLine();
        text.AppendLine("| row | target | measured (Structured first) | verdict |");
        text.AppendLine("| --- | --- | --- | --- |");
        foreach (var check in targets)
            text.AppendLine($"| {check.Row} | {check.Target} | {check.Measured} | {check.Verdict} |");
        text.AppendLine();

        if (results.FirstOrDefault(m => m.Workload == CancellationTargets.FloorWorkload) is { } floor)
        {
            text.AppendLine($"**Floor** (issue 13): one throw per cancelled parked task, {floor.N:N0} async methods parked on a TaskCompletionSource each, " +
                $"cancelled one by one on one thread (continuations inline), best of {floor.Reps} rounds: **{Format.Number(floor.NsPerOp)} ns/task**, " +
                $"{floor.ExceptionsPerOp:0.00} exceptions/task.");
            text.AppendLine();
        }

        text.AppendLine("#### Targets (issue 13: the cancellation path and a task's footprint)");
        text.AppendLine();
        text.AppendLine("| row | target | measured (Structured first) | verdict |");
        text.AppendLine("| --- | --- | --- | --- |");
        foreach (var check in cancellationTargets)
            text.AppendLine($"| {check.Row} | {check.Target} | {check.Measured} | {check.Verdict} |");
        text.AppendLine();

        text.AppendLine("#### Measurements (per operation: time · bytes allocated)");
        text.AppendLine();
        text.AppendLine("W3: items/s · bytes/item. W5: time over the ideal 1 s · peak RSS growth · exceptions thrown per task. " +
            "W6: time to cancel and join all (per task) · exceptions thrown per task (spawn included in bytes and throws). " +
            "Ratios: Loop time ÷ baseline time (below 1: the Loop is faster; W5: excess ÷ excess).");
        text.AppendLine();
        text.AppendLine("| workload | variant | n | " + string.Join(" | ", s_columns.Select(c => c.Title)) + " | Loop ÷ pool | Loop ÷ AsyncContext |");
        text.AppendLine("| --- | --- | ---: |" + string.Concat(Enumerable.Repeat(" ---: |", s_columns.Length + 2)));
        foreach (var group in results.Where(m => m.Variant != "scope-object" && m.Workload is not (CancellationTargets.FloorWorkload or CancellationTargets.ParkedWorkload or QuickRun.ListenedWorkload)).GroupBy(m => (m.Workload, m.Variant)))
        {
            var row = group.ToDictionary(m => m.Host);
            int n = group.First().N;
            text.Append($"| {group.Key.Workload} | {group.Key.Variant} | {n:N0} |");
            foreach (var (host, _) in s_columns)
                text.Append(' ').Append(row.TryGetValue(host, out var m) ? Cell(m) : "").Append(" |");
            // A Structured-only row (the TryReceive consumer loop) is compared with the raw rows of its base variant.
            var baselines = row;
            if (group.Key.Variant.EndsWith(QuickRun.TryReceiveSuffix, StringComparison.Ordinal))
            {
                string baseVariant = group.Key.Variant[..^QuickRun.TryReceiveSuffix.Length];
                baselines = results.Where(m => m.Workload == group.Key.Workload && m.Variant == baseVariant).ToDictionary(m => m.Host);
                if (row.TryGetValue(Hosts.Loop, out var ours))
                    baselines[Hosts.Loop] = ours;
            }
            text.Append(' ').Append(RatioCell(baselines, Hosts.Pool)).Append(" |");
            text.Append(' ').Append(RatioCell(baselines, Hosts.AsyncContext)).AppendLine(" |");
        }
        text.AppendLine();

        ListenerCostReport.Append(text, results);

        if (python is not null)
            AppendPython(text, results, python);

        if (scale is not null)
        {
            text.AppendLine("#### Scale (Structured on the Loop)");
            text.AppendLine();
            foreach (var line in scale)
                text.AppendLine($"- {line}");
            text.AppendLine();
        }
        return text.ToString();
    }

    static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    static double Primary(Measurement m) => m.Workload == "W5" ? m.Seconds - 1 : m.Seconds;

    static string RatioCell(Dictionary<string, Measurement> row, string baseline)
        => row.TryGetValue(Hosts.Loop, out var loop) && row.TryGetValue(baseline, out var other) && Primary(other) > 0
            ? $"{Primary(loop) / Primary(other):0.00}×"
            : "";

    static string Cell(Measurement m) => m.Workload switch
    {
        "W3" => $"{m.OpsPerSecond / 1e6:0.00} M/s · {m.BytesPerOp:0.0} B",
        "W5" => $"+{m.Seconds - 1:0.000} s · {m.Extra / MiB:0} MiB · {m.ExceptionsPerOp:0.0} throws",
        "W6" => $"{m.Seconds * 1e3:N0} ms ({m.NsPerOp:N0} ns) · {m.ExceptionsPerOp:0.0} throws",
        _ => $"{Format.Number(m.NsPerOp)} ns · {Format.Number(m.BytesPerOp)} B",
    };

    static void AppendPython(StringBuilder text, IReadOnlyList<Measurement> results, PythonReferences python)
    {
        text.AppendLine("#### Against the Python peers, measured on this machine");
        text.AppendLine();
        text.AppendLine($"Python runners of shared/bench/python ({string.Join(", ", python.Libraries)}), at the n shown. Speed-up: their time per operation ÷ the Loop's.");
        text.AppendLine();
        text.AppendLine("| workload | variant | Structured, Loop | " + string.Join(" | ", PythonReferences.Implementations.Select(i => i.Name)) + " | " +
            string.Join(" | ", PythonReferences.Implementations.Select(i => $"speed-up vs {i.Name}")) + " |");
        text.AppendLine("| --- | --- | ---: |" + string.Concat(Enumerable.Repeat(" ---: |", 2 * PythonReferences.Implementations.Length)));
        foreach (var (workload, variant, field, unit) in new[]
        {
            ("W1", "noop", "ns_per_child", "ns"), ("W1", "yield", "ns_per_child", "ns"),
            ("W2", "cap0", "ns_per_round_trip", "ns"), ("W2", "cap1", "ns_per_round_trip", "ns"),
            ("W3", "b1024-1p1c", "items_per_s", "items/s"), ("W3", "unb-1p1c", "items_per_s", "items/s"),
            ("W3", "b1024-4p4c", "items_per_s", "items/s"), ("W3", "unb-4p4c", "items_per_s", "items/s"),
            ("W4", "deadline", "ns_per_scope", "ns"), ("W4", "nodeadline", "ns_per_scope", "ns"),
            ("W5", "distinct-deadlines", "excess_s", "s over 1 s"),
            ("W6", "park", "ns_per_task", "ns"), ("W6", "event-wait", "ns_per_task", "ns"),
        })
        {
            string ourVariant = workload == "W6" ? (variant == "park" ? "park-100k" : "event-wait-25k") : variant;
            var ours = results.FirstOrDefault(m => m.Workload == workload && m.Variant == ourVariant && m.Host == Hosts.Loop);
            double? ourValue = ours is null ? null : field switch
            {
                "items_per_s" => ours.OpsPerSecond,
                "excess_s" => ours.Seconds - 1,
                _ => ours.NsPerOp,
            };
            text.Append($"| {workload} | {variant} | {(ourValue is double v ? $"{Format.Number(v)} {unit}" : "—")} |");
            var theirs = PythonReferences.Implementations.Select(i => (Value: python.Get(i.Name, workload, variant, field), N: python.Get(i.Name, workload, variant, "n"))).ToList();
            foreach (var (value, n) in theirs)
                text.Append(value is double x ? $" {Format.Number(x)} (n = {n:N0}) |" : " — |");
            foreach (var (value, _) in theirs)
            {
                string cell = value is double x && ourValue is double o && o > 0
                    ? $"{(field == "items_per_s" ? o / x : x / o):0.0}×"
                    : "—";
                text.Append($" {cell} |");
            }
            text.AppendLine();
        }
        text.AppendLine();
    }
}
