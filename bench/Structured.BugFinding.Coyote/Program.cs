using System.Diagnostics;
using System.Globalization;
using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;

namespace BugFinding.Coyote;

/// <summary>
/// Runs every bug under Coyote's strategies for a few seeds, at most N iterations or S seconds per run, and prints one
/// CSV line per run (the format of bench/Structured.BugFinding). Must run from the assembly `coyote rewrite` rewrote.
/// Usage: Structured.BugFinding.Coyote [seeds] [max-iterations] [seconds] [bugs,comma,separated] [strategies]
/// </summary>
internal static class Program
{
    static readonly (string Name, Func<Task> Body)[] All =
    [
        ("account", Bugs.Account),
        ("reorder_3", Bugs.Reorder(3)),
        ("reorder_10", Bugs.Reorder(10)),
        ("reorder_20", Bugs.Reorder(20)),
        ("twostage", Bugs.TwoStage(2)),
        ("twostage_100", Bugs.TwoStage(100)),
        ("wronglock", Bugs.WrongLock),
        ("deadlock01", Bugs.Deadlock01),
        ("carter01", Bugs.Carter01),
        ("bluetooth_driver", Bugs.BluetoothDriver),
        ("missed_wakeup", Bugs.MissedWakeUp),
        ("atomicity_3", Bugs.ThreePreemptions),
        ("use_before_init", Bugs.UseBeforeInit),
        ("channel_close", Bugs.ChannelCloseRace),
    ];

    static readonly (string Name, Func<Configuration, Configuration> Set)[] Strategies =
    [
        ("default", c => c),
        ("pct3", c => c.WithPrioritizationStrategy(false, 3)),
        ("pct10", c => c.WithPrioritizationStrategy(false, 10)),
        ("pos", c => c.WithPartialOrderSamplingEnabled(true)),
    ];

    static int Main(string[] args)
    {
        int seeds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        uint iterations = args.Length > 1 ? uint.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
        int seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        var bugs = args.Length > 3 && args[3] != "all" ? args[3].Split(',').ToHashSet() : null;
        var strategies = args.Length > 4 ? args[4].Split(',').ToHashSet() : null;
        Console.WriteLine("bug,tool,strategy,seed,found,schedules,ms,replayed,replays");
        foreach (var (bug, body) in All.Where(b => bugs is null || bugs.Contains(b.Name)))
        {
            // Warm-up (JIT): a few iterations of the bug, not timed.
            using (var warm = TestingEngine.Create(Configuration.Create().WithTestingIterations(20).WithTestingTimeout(5).WithVerbosityEnabled(Microsoft.Coyote.Logging.VerbosityLevel.None), body))
                warm.Run();
            foreach (var (strategy, set) in Strategies.Where(s => strategies is null || strategies.Contains(s.Name)))
            {
                for (int seed = 0; seed < seeds; seed++)
                {
                    var config = set(Configuration.Create()
                        .WithTestingIterations(iterations)
                        .WithTestingTimeout(seconds)
                        .WithRandomGeneratorSeed((uint)seed + 1)
                        .WithVerbosityEnabled(Microsoft.Coyote.Logging.VerbosityLevel.None));
                    var clock = Stopwatch.StartNew();
                    using var engine = TestingEngine.Create(config, body);
                    engine.Run();
                    double ms = clock.Elapsed.TotalMilliseconds;
                    var report = engine.TestReport;
                    int runs = report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths;
                    bool found = report.NumOfFoundBugs > 0;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{bug},coyote,{strategy},{seed},{(found ? 1 : 0)},{runs},{ms:0.###},0,0"));
                }
            }
        }
        return 0;
    }
}
