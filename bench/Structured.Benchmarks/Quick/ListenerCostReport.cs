using System.Text;

namespace Benchmarks;

/// <summary>
/// The quick report's section for issue 15: W1, W2 and posting without a listener, with a listener on every
/// instrument of the meter, and with one sampling every activity too, measured one after the other in one run.
/// </summary>
public static class ListenerCostReport
{
    /// <summary>Appends the section when the "listen" rows were measured.</summary>
    public static void Append(StringBuilder text, IReadOnlyList<Measurement> results)
    {
        var rows = results.Where(m => m.Workload == QuickRun.ListenedWorkload).ToList();
        if (rows.Count == 0)
            return;
        text.AppendLine("#### The cost of a listener (issue 15)");
        text.AppendLine();
        text.AppendLine("Each row three times in a row: no listener (the meter compiled in, nobody listening), a `MeterListener` on every " +
            "instrument of the `Structured` meter, and that plus an `ActivityListener` sampling every activity of the `Structured` " +
            "source (W1's tasks are unnamed: one activity per nursery). Time · bytes allocated per operation; ratios to the row without a listener.");
        text.AppendLine();
        text.AppendLine("| row | host | no listener | +metrics | +metrics+traces | +metrics ÷ none | +traces ÷ none |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var plain in rows.Where(m => !m.Variant.EndsWith(QuickRun.MetricsSuffix, StringComparison.Ordinal) && !m.Variant.EndsWith(QuickRun.TracesSuffix, StringComparison.Ordinal)))
        {
            var metrics = rows.FirstOrDefault(m => m.Host == plain.Host && m.Variant == plain.Variant + QuickRun.MetricsSuffix);
            var traces = rows.FirstOrDefault(m => m.Host == plain.Host && m.Variant == plain.Variant + QuickRun.TracesSuffix);
            text.AppendLine($"| {plain.Variant} | {plain.Host} | {Cell(plain)} | {Cell(metrics)} | {Cell(traces)} | {Ratio(metrics, plain)} | {Ratio(traces, plain)} |");
        }
        text.AppendLine();
    }

    static string Cell(Measurement? m) => m is null ? "—" : $"{Format.Number(m.NsPerOp)} ns · {Format.Number(m.BytesPerOp)} B";

    static string Ratio(Measurement? m, Measurement plain) => m is null || plain.Seconds <= 0 ? "—" : $"{m.Seconds / plain.Seconds:0.00}×";
}
