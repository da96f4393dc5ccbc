using System.Globalization;
using System.Runtime.ExceptionServices;

namespace Stress;

/// <summary>
/// Runs the stress scenarios and prints one line of figures per scenario, then "stress: N passed, N failed".
/// Exit code 0 only when every scenario passed.
/// </summary>
/// <remarks>
/// Usage: <c>dotnet run -c Release --project tests/Structured.Stress -- [--short|--long] [--seed N] [--scale X] [--only a,b]</c>.
/// <c>--short</c> (the default) is CI's mode, under 2 minutes on 2 cores; <c>--long</c> is for a run by hand (10,000,000
/// spawns, tens of thousands of trees). <c>--seed</c> replays: every scenario derives its own seed from it, and prints it.
/// <c>--scale</c> multiplies every count of the mode; <c>--only</c> runs the named scenarios (prefixes work).
/// </remarks>
internal static class Program
{
    static readonly (string Name, Action<StressContext> Body)[] s_scenarios =
    [
        ("channels-on-loop", ChannelConservation.OnLoop),
        ("channels-off-loop", ChannelConservation.OffLoop),
        ("channels-views-on-loop", ChannelConservation.ViewsOnLoop),
        ("channels-views-off-loop", ChannelConservation.ViewsOffLoop),
        ("trees-on-loop", RandomTrees.OnLoop),
        ("trees-off-loop", RandomTrees.OffLoop),
        ("trees-startables-on-loop", RandomTrees.StartablesOnLoop),
        ("trees-startables-off-loop", RandomTrees.StartablesOffLoop),
        ("spawns-flat-heap", Spawns.FlatHeap),
        ("threads-one-nursery", ManyThreads.OneNursery),
        ("threads-primitives", ManyThreads.Primitives),
        ("flows-when-all", Flows.WhenAllOfScopes),
        ("flows-parallel-for-each", Flows.ParallelForEach),
        ("timeouts-on-loop", Timeouts.OnLoop),
        ("timeouts-off-loop", Timeouts.OffLoop),
    ];

    static int Main(string[] args)
    {
        bool longMode = false;
        int seed = Environment.TickCount & 0xFFFF;
        double scale = 1;
        string[]? only = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--short": longMode = false; break;
                case "--long": longMode = true; break;
                case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--scale": scale = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--only": only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries); break;
                case "--help" or "-h":
                    Console.WriteLine("usage: Structured.Stress [--short|--long] [--seed N] [--scale X] [--only name,prefix]");
                    foreach (var (name, _) in s_scenarios)
                        Console.WriteLine($"  {name}");
                    return 0;
                default:
                    Console.Error.WriteLine($"stress: unknown option '{args[i]}' (try --help)");
                    return 2;
            }
        }
        // Blocking scenarios (many threads, off-loop waits) must not wait for the pool's slow thread injection.
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));

        var mode = (longMode ? StressMode.Long(seed) : StressMode.Short(seed)).Scaled(scale);
        Console.WriteLine($"stress: mode={mode.Name} seed={seed} scale={scale} (replay: --{mode.Name} --seed {seed}{(scale != 1 ? $" --scale {scale}" : "")})");

        // An error of ours escaping onto a pool thread, or a faulted task nobody observed, fails the run.
        var escaped = new List<string>();
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            Console.WriteLine($"stress: UNHANDLED exception on a thread (the process ends): {e.ExceptionObject}");
            Console.Out.Flush();
        };
        TaskScheduler.UnobservedTaskException += (_, e) =>
        {
            lock (escaped)
                escaped.Add(e.Exception.ToString());
            e.SetObserved();
        };

        int passed = 0, failed = 0;
        foreach (var (name, body) in s_scenarios)
        {
            if (only is not null && !only.Any(o => name.StartsWith(o, StringComparison.Ordinal)))
                continue;
            if (RunOne(name, body, mode))
                passed++;
            else
                failed++;
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        lock (escaped)
        {
            foreach (var error in escaped)
            {
                Console.WriteLine($"stress: a faulted task was never observed: {error}");
                failed++;
            }
        }
        Console.WriteLine($"stress: {passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Runs one scenario on its own thread under the watchdog; prints its line; true when it passed.</summary>
    static bool RunOne(string name, Action<StressContext> body, StressMode mode)
    {
        int seed = unchecked(mode.Seed * 31 + StableHash(name)) & 0x7FFFFFFF;
        var figures = new Figures();
        var context = new StressContext(mode, figures, seed);
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                body(context);
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        }, 256 * 1024 * 1024) { IsBackground = true, Name = $"stress {name}" };
        thread.Start();
        if (!thread.Join(mode.Watchdog))
        {
            figures.AddHang();
            figures.Fail($"HANG: no end within {mode.Watchdog.TotalSeconds:0} s of real time, in phase '{context.Phase}'; live tasks:\n{context.DescribeLive()}");
        }
        else if (error is not null)
        {
            figures.Fail($"{context.Phase}: {error.SourceException}");
        }
        figures.Stop();
        bool ok = figures.Passed;
        Console.WriteLine($"stress: {name}: {(ok ? "PASS" : "FAIL")} seed={seed} {figures}");
        foreach (var failure in figures.Failures.Take(10))
            Console.WriteLine($"stress:   {name}: {failure.Replace("\n", "\n    ", StringComparison.Ordinal)}");
        if (figures.Failures.Count > 10)
            Console.WriteLine($"stress:   {name}: ... and {figures.Failures.Count - 10} more");
        Console.Out.Flush();
        return ok;
    }

    static int StableHash(string text)
    {
        int hash = 17;
        foreach (char c in text)
            hash = unchecked(hash * 31 + c);
        return hash;
    }
}
