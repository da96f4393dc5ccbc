using Structured;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Structured.Testing;

namespace BugFinding;

/// <summary>
/// Runs every bug under each strategy of ours for a few seeds (a count and a time budget per run), replays each
/// first failing schedule, and, given the CSV of the Coyote twin, prints the comparison table of docs/testing.md.
/// Usage: Structured.BugFinding [--seeds 5] [--max-schedules 10000] [--seconds 5] [--bugs a,b] [--strategies default,pct2]
/// [--coyote coyote.csv] [--csv ours.csv] [--table table.md] [--ours earlier-ours.csv (table only)]
/// </summary>
internal static class Program
{
    static readonly (string Name, Func<ExplorationStrategy> Make)[] Strategies =
    [
        ("default", ExplorationStrategy.Default),
        ("pct2", () => ExplorationStrategy.Pct(2)),
        ("pct3", () => ExplorationStrategy.Pct(3)),
        ("pct2-spawns-go-on", () => ExplorationStrategy.Pct(2, spawnIsChoicePoint: false)),
        ("pct3-spawns-go-on", () => ExplorationStrategy.Pct(3, spawnIsChoicePoint: false)),
        ("pos", ExplorationStrategy.Pos),
        ("switching", () => ExplorationStrategy.Switching()),
        ("switching-0.5", () => ExplorationStrategy.Switching(0.5)),
        ("random", ExplorationStrategy.Random),
        ("delay-bounded", () => ExplorationStrategy.DelayBounded()),
    ];

    static int Main(string[] args)
    {
        var options = Options.Parse(args);
        var rows = new List<Row>();
        var bugs = BugCatalog.All.Where(b => options.Bugs is null || options.Bugs.Contains(b.Name)).ToList();
        var strategies = Strategies.Where(s => options.Strategies is null || options.Strategies.Contains(s.Name)).ToList();
        // --strategies mix:random+pos+pct3go: a portfolio of those members in that order (to compare mixes).
        foreach (var spec in options.Strategies?.Where(s => s.StartsWith("mix:", StringComparison.Ordinal)) ?? [])
            strategies.Add((spec, () => Mix(spec["mix:".Length..])));
        // --ours file.csv: make the table from a CSV of an earlier run instead of running again.
        if (options.OursPath is { } earlier)
        {
            rows = Row.ReadCsv(earlier);
            bugs = [];
        }
        foreach (var (bug, body) in bugs)
        {
            // Warm-up (JIT), not timed: the default portfolio on the bug for 20 schedules or to the first failure, as the
            // Coyote twin warms up with 20 iterations of its default strategy.
            RunOne(bug, body, "warm-up", ExplorationStrategy.Default, 99, options, maxSchedules: 20);
            foreach (var (strategy, make) in strategies)
            {
                for (int seed = options.FirstSeed; seed < options.FirstSeed + options.Seeds; seed++)
                {
                    var row = RunOne(bug, body, strategy, make, seed, options);
                    rows.Add(row);
                    Console.Error.WriteLine(row.Csv());
                }
            }
        }
        var csv = new StringBuilder(Row.Header).AppendLine();
        foreach (var row in rows)
            csv.AppendLine(row.Csv());
        if (options.CsvPath is { } path)
            File.WriteAllText(path, csv.ToString());
        var coyote = options.CoyotePath is { } c && File.Exists(c) ? Row.ReadCsv(c) : [];
        var names = options.OursPath is null ? bugs.Select(b => b.Name).ToList() : [.. BugCatalog.All.Select(b => b.Name).Where(n => rows.Any(r => r.Bug == n))];
        var table = Table.Markdown(names, rows, coyote, options);
        Console.WriteLine(table);
        if (options.TablePath is { } t)
            File.WriteAllText(t, table);
        return 0;
    }

    static ExplorationStrategy Mix(string members)
        => ExplorationStrategy.Portfolio([.. members.Split('+').Select(m => m switch
        {
            "fifo" => ExplorationStrategy.Fifo(),
            "random" => ExplorationStrategy.Random(),
            "pos" => ExplorationStrategy.Pos(),
            "walk" => ExplorationStrategy.RandomWalk(),
            "switch" => ExplorationStrategy.Switching(),
            "switchs" => ExplorationStrategy.Switching(spawnIsChoicePoint: true),
            _ when m.StartsWith("switch", StringComparison.Ordinal) => ExplorationStrategy.Switching(double.Parse(m[6..], CultureInfo.InvariantCulture)),
            "delay" => ExplorationStrategy.DelayBounded(),
            _ when m.StartsWith("pct", StringComparison.Ordinal) && m.EndsWith('g') => ExplorationStrategy.Pct(int.Parse(m[3..^1], CultureInfo.InvariantCulture), spawnIsChoicePoint: false),
            _ when m.StartsWith("pct", StringComparison.Ordinal) => ExplorationStrategy.Pct(int.Parse(m[3..], CultureInfo.InvariantCulture)),
            _ => throw new ArgumentException($"unknown member {m}"),
        })]);

    static Row RunOne(string bug, Func<Task> body, string strategy, Func<ExplorationStrategy> make, int seed, Options options, int? maxSchedules = null)
    {
        var explore = new ExplorationOptions
        {
            Strategy = make(),
            Seed = seed,
            MaxSchedules = maxSchedules ?? options.MaxSchedules,
            TimeBudget = TimeSpan.FromSeconds(options.Seconds),
            MaxShrinkRuns = 0,
            // Coyote's own defaults: 10,000 steps per run, and a run that reaches it ends without a bug.
            MaxStepsPerRun = 10_000,
            StepBoundIsFailure = false,
        };
        var clock = Stopwatch.StartNew();
        try
        {
            var summary = ConcurrencyProperty.ForAll(body, explore);
            return new Row(bug, "structured", strategy, seed, false, summary.Schedules, clock.Elapsed.TotalMilliseconds, 0, 0);
        }
        catch (ConcurrencyPropertyException e)
        {
            // The exploration's time to the bug: the exception was made after one replay of the reported line; the summary has the search alone.
            double ms = e.Summary?.Elapsed.TotalMilliseconds ?? clock.Elapsed.TotalMilliseconds;
            int replayed = 0;
            for (int i = 0; i < 10; i++)
            {
                if (RunCapturing(body, Schedule.FromChoices(e.FirstFailingChoices)))
                    replayed++;
            }
            return new Row(bug, "structured", strategy, seed, true, e.FailingRun, ms, replayed, 10);
        }
    }

    static bool RunCapturing(Func<Task> body, Schedule schedule)
    {
        try
        {
            TestLoop.Run(body, schedule);
            return false;
        }
        catch (Exception)
        {
            return true;
        }
    }
}
