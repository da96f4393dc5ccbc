using System.Globalization;
using System.Text;

namespace BugFinding;

/// <summary>
/// The comparison table: per bug, our default portfolio and our best strategy, Coyote's best strategy; each as seeds
/// found, mean schedules to the first bug and mean time to it (over the seeds that found it). "Best" finds the bug in
/// the most seeds, then in the fewest mean schedules.
/// </summary>
internal static class Table
{
    internal static string Markdown(List<string> bugs, List<Row> ours, List<Row> coyote, Options options)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{options.Seeds} seeds, at most {options.MaxSchedules} schedules or {options.Seconds} s per run; schedules and ms are means over the seeds that found the bug.")
            .AppendLine()
            .AppendLine("| bug | ours: default portfolio (found, schedules, ms) | ours: best strategy | Coyote: best strategy | replay (ours) | schedules: ours default vs Coyote best | time: ours default vs Coyote best |")
            .AppendLine("|---|---|---|---|---|---|---|");
        int fewerSchedules = 0, faster = 0, compared = 0, fewerThanDefault = 0, comparedToDefault = 0;
        foreach (var bug in bugs)
        {
            var mine = ours.Where(r => r.Bug == bug).ToList();
            var theirs = coyote.Where(r => r.Bug == bug).ToList();
            var defaultStats = Stats(mine.Where(r => r.Strategy == "default").ToList());
            var bestOurs = Best(mine);
            var bestCoyote = Best(theirs);
            int replayed = mine.Sum(r => r.Replayed), replays = mine.Sum(r => r.Replays);
            // Coyote's best is the best of four strategies per bug, picked after the fact; its default is one strategy, as ours is.
            if (defaultStats is { } od && Stats(theirs.Where(r => r.Strategy == "default").ToList()) is { } cd && (od.Found > 0 || cd.Found > 0))
            {
                comparedToDefault++;
                fewerThanDefault += od.Found > cd.Found || (od.Found == cd.Found && od.Schedules <= cd.Schedules) ? 1 : 0;
            }
            string scheduleWin = "", timeWin = "";
            if (defaultStats is { Found: 0 } && bestCoyote is { Stats.Found: 0 })
            {
                scheduleWin = timeWin = "neither finds it";
            }
            else if (defaultStats is { } d && bestCoyote is { } bc)
            {
                compared++;
                bool winsS = d.Found > bc.Stats.Found || (d.Found == bc.Stats.Found && d.Schedules <= bc.Stats.Schedules);
                bool winsT = d.Found > bc.Stats.Found || (d.Found == bc.Stats.Found && d.Ms <= bc.Stats.Ms);
                fewerSchedules += winsS ? 1 : 0;
                faster += winsT ? 1 : 0;
                scheduleWin = winsS ? "ours" : "Coyote";
                timeWin = winsT ? string.Create(CultureInfo.InvariantCulture, $"ours ({Ratio(bc.Stats.Ms, d.Ms)})") : "Coyote";
            }
            text.Append(CultureInfo.InvariantCulture, $"| {bug} | {Cell(defaultStats)} | {(bestOurs is { } bo ? $"{bo.Strategy}: {Cell(bo.Stats)}" : "-")} | ")
                .Append(CultureInfo.InvariantCulture, $"{(bestCoyote is { } bc2 ? $"{bc2.Strategy}: {Cell(bc2.Stats)}" : "not run")} | ")
                .Append(replays == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{replayed}/{replays}"))
                .AppendLine(CultureInfo.InvariantCulture, $" | {scheduleWin} | {timeWin} |");
        }
        if (compared > 0)
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Ours (default portfolio) first in schedules on {fewerSchedules} of {compared} bugs, first in time on {faster} of {compared}; against Coyote's default strategy alone, first in schedules on {fewerThanDefault} of {comparedToDefault}.");
        return text.ToString();
    }

    static string Ratio(double theirs, double ours)
        => double.IsInfinity(theirs) ? "Coyote finds it in no seed" : ours <= 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{theirs / ours:0.#}x");

    internal readonly record struct Summary(int Found, int Seeds, double Schedules, double Ms);

    static Summary? Stats(List<Row> rows)
    {
        if (rows.Count == 0)
            return null;
        var found = rows.Where(r => r.Found).ToList();
        return new Summary(found.Count, rows.Count, found.Count == 0 ? double.PositiveInfinity : found.Average(r => r.Schedules),
            found.Count == 0 ? double.PositiveInfinity : found.Average(r => r.Milliseconds));
    }

    static (string Strategy, Summary Stats)? Best(List<Row> rows)
    {
        var best = rows.GroupBy(r => r.Strategy)
            .Select(g => (Strategy: g.Key, Stats: Stats([.. g])!.Value))
            .OrderByDescending(s => s.Stats.Found).ThenBy(s => s.Stats.Schedules)
            .ToList();
        return best.Count == 0 ? null : best[0];
    }

    static string Cell(Summary? s)
        => s is not { } v ? "-"
            : v.Found == 0 ? string.Create(CultureInfo.InvariantCulture, $"0/{v.Seeds}")
            : string.Create(CultureInfo.InvariantCulture, $"{v.Found}/{v.Seeds}, {v.Schedules:0.#}, {v.Ms:0.##}");
}
