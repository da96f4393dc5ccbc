using Structured;
using System.Diagnostics;
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
        ("random", ExplorationStrategy.Random),
        ("delay-bounded", () => ExplorationStrategy.DelayBounded()),
    ];

    static int Main(string[] args)
    {
        var options = Options.Parse(args);
        var rows = new List<Row>();
        var bugs = BugCatalog.All.Where(b => options.Bugs is null || options.Bugs.Contains(b.Name)).ToList();
        var strategies = Strategies.Where(s => options.Strategies is null || options.Strategies.Contains(s.Name)).ToList();
        // --ours file.csv: make the table from a CSV of an earlier run instead of running again.
        if (options.OursPath is { } earlier)
        {
            rows = Row.ReadCsv(earlier);
            bugs = [];
        }
        foreach (var (bug, body) in bugs)
        {
            // Warm-up (JIT): a few schedules of the bug, not timed.
            RunOne(bug, body, "warm-up", () => ExplorationStrategy.Random(), 99, options);
            foreach (var (strategy, make) in strategies)
            {
                for (int seed = 0; seed < options.Seeds; seed++)
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

    static Row RunOne(string bug, Func<Task> body, string strategy, Func<ExplorationStrategy> make, int seed, Options options)
    {
        var explore = new ExplorationOptions
        {
            Strategy = make(),
            Seed = seed,
            MaxSchedules = options.MaxSchedules,
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
