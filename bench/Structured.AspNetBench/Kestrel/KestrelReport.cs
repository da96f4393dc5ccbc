using System.Globalization;
using System.Text;

namespace AspNetBench;

/// <summary>
/// The Kestrel benchmark's table: per variant, requests/s and p99 as the median over rounds of the ratio to plain in
/// the same round (rounds alternate the variants, so load from elsewhere falls on both sides of each ratio), p50/p99 in
/// ms over every measured request, and the server's bytes and CPU time per request over every measured round.
/// Then each variant against its twin, with the targets of the request path (docs/performance.md).
/// </summary>
public static class KestrelReport
{
    /// <summary>The markdown report of <paramref name="results"/>.</summary>
    public static string Build(IReadOnlyDictionary<Variant, List<RoundResult>> results, KestrelOptions options)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"Kestrel over loopback, HTTP/1.1, {options.Connections} connections, {options.Rounds} rounds of {options.RoundDuration.TotalSeconds:0.#} s per variant (alternated), {Environment.ProcessorCount} cores, .NET {Environment.Version}.");
        text.AppendLine();
        text.AppendLine("| variant | requests/s | vs plain (rounds' range) | p50 ms | p99 ms | p99 vs plain | server B/request | CPU µs/request | CPU vs plain |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var plain = results[Variant.Plain];
        foreach (var variant in Variant.All)
        {
            var rounds = results[variant];
            var rps = Ratios(rounds, plain, static r => r.RequestsPerSecond);
            var p99 = Ratios(rounds, plain, static r => r.LatencyMs(0.99));
            text.AppendLine(inv, $"| {variant.Name} | {Median(rounds.Select(static r => r.RequestsPerSecond)):0} | {Median(rps):0.00}x ({rps.Min():0.00}-{rps.Max():0.00}) "
                + $"| {Merged(rounds, 0.50):0.00} | {Merged(rounds, 0.99):0.00} | {Median(p99):0.00}x | {BytesPerRequest(rounds):#,0} | {CpuMicrosPerRequest(rounds):0.0} "
                + $"| {CpuMicrosPerRequest(rounds) / CpuMicrosPerRequest(plain):0.00}x |");
        }
        text.AppendLine();
        text.AppendLine("| against its twin | server B/request | requests/s | CPU/request | p99 | target |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | --- |");
        Twin(text, results, Variant.Scoped, Variant.Plain, "+400 B, >= 0.95x, <= 1.10x, <= 1.10x", 400, 0.95, 1.10, 1.10);
        Twin(text, results, Variant.ScopedNursery, Variant.ScopedWhenAll, "+400 B, CPU <= 1.10x", 400, null, 1.10, null);
        Twin(text, results, Variant.ScopedWhenAll, Variant.PlainFanOut, "(the scope under a fan-out)", null, null, null, null);
        return text.ToString();
    }

    static void Twin(StringBuilder text, IReadOnlyDictionary<Variant, List<RoundResult>> results, Variant variant, Variant twin, string target,
        double? maxBytes, double? minRps, double? maxCpu, double? maxP99)
    {
        var mine = results[variant];
        var theirs = results[twin];
        double bytes = BytesPerRequest(mine) - BytesPerRequest(theirs);
        double rps = Median(Ratios(mine, theirs, static r => r.RequestsPerSecond));
        double cpu = CpuMicrosPerRequest(mine) / CpuMicrosPerRequest(theirs);
        double p99 = Median(Ratios(mine, theirs, static r => r.LatencyMs(0.99)));
        bool met = (maxBytes is null || bytes <= maxBytes) && (minRps is null || rps >= minRps) && (maxCpu is null || cpu <= maxCpu) && (maxP99 is null || p99 <= maxP99);
        string verdict = maxBytes is null && minRps is null && maxCpu is null && maxP99 is null ? target : $"{target}: {(met ? "met" : "NOT met")}";
        text.AppendLine(CultureInfo.InvariantCulture, $"| {variant.Name} vs {twin.Name} | {bytes:+#,0;-#,0;0} B | {rps:0.00}x | {cpu:0.00}x | {p99:0.00}x | {verdict} |");
    }

    static double[] Ratios(List<RoundResult> rounds, List<RoundResult> baseline, Func<RoundResult, double> measure)
        => [.. rounds.Zip(baseline, (r, b) => measure(r) / measure(b))];

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    static double Merged(List<RoundResult> rounds, double q)
    {
        var all = rounds.SelectMany(static r => r.Latencies).Order().ToArray();
        return new RoundResult { Latencies = all }.LatencyMs(q);
    }

    static double BytesPerRequest(List<RoundResult> rounds) => rounds.Sum(static r => (double)r.AllocatedBytes) / rounds.Sum(static r => r.Requests);

    static double CpuMicrosPerRequest(List<RoundResult> rounds) => rounds.Sum(static r => r.CpuTicks / 10.0) / rounds.Sum(static r => r.Requests);
}
