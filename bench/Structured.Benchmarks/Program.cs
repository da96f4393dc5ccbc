using System.Globalization;
using BenchmarkDotNet.Running;

namespace Benchmarks;

/// <summary>
/// Entry point. <c>--quick</c>: the quick mode (one table, under 3 minutes); <c>--scale</c>: the scale checks
/// (with <c>--quick</c>: both); anything else goes to BenchmarkDotNet (<c>--filter '*W1*'</c>, <c>--list flat</c>,
/// <c>--job short</c>; <c>--outofproc</c> to let it build a separate process).
/// </summary>
public static class Program
{
    /// <summary>Runs the selected mode.</summary>
    public static int Main(string[] args)
    {
        // Invariant formatting on every thread, this one included (CurrentCulture falls back to the default). Not
        // CultureInfo.CurrentCulture = ...: that is an AsyncLocal with a change handler, which every workload's tasks
        // would then carry, so each ExecutionContext switch (an async method resuming in its own context) compared it:
        // about 20 % of a W2 round trip that no plain program pays (docs/performance.md, issue 24, "W2").
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length == 2 && args[0] == "--w5-child")
            return W5Child.RunChild(args[1]);
        if (args.Length >= 1 && args[0] == "--bytes")
            return HotPathBytes.Run(args.Length >= 2 ? args[1] : null);
        if (args.Length >= 1 && args[0] == "--loop-cpu")
            return LoopThreadCpu.Run(args.Length >= 2 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9);
        if (args.Length == 2 && args[0] == "--profile")
            return AllocationProfile.Run(args[1]);

        var options = new QuickOptions();
        bool quick = false;
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--scale":
                    options.Scale = true;
                    break;
                case "--only":
                    foreach (var name in args[++i].Split(','))
                        options.Only.Add(name.Trim());
                    break;
                case "--reps":
                    options.Reps = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    options.SlowReps = Math.Min(options.SlowReps, options.Reps);
                    break;
                case "--w5-reps":
                    options.W5Reps = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--python":
                    options.PythonResults = args[++i];
                    break;
                case "--out":
                    options.OutputFile = args[++i];
                    break;
                case "--outofproc":
                    BenchConfig.InProcess = false;
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        if (quick)
            return new QuickRun(options).Run();
        if (options.Scale)
        {
            foreach (var line in ScaleRun.Run(line => Console.Error.WriteLine(line)))
                Console.WriteLine($"- {line}");
            return 0;
        }
        if (rest.Any(a => a is "--job" or "-j"))
        {
            BenchConfig.CommandLineJob = true;
            if (BenchConfig.InProcess && !rest.Contains("--inProcess"))
                rest.Add("--inProcess");
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest]);
        return 0;
    }
}
