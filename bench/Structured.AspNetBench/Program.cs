using System.Globalization;
using BenchmarkDotNet.Running;

namespace AspNetBench;

/// <summary>
/// Entry point. No arguments (or <c>--kestrel</c>): the Kestrel benchmark, about 90 s; <c>--short</c>: its short
/// mode, about 40 s; <c>--bytes [N]</c>: the in-process cases' exact bytes and CPU ratios in seconds; <c>--profile CASE [N]</c>:
/// one case's allocations by type; <c>--server</c>: the server process that the benchmark starts itself; <c>--bdn</c> and what follows
/// go to BenchmarkDotNet (the in-process cases of the middleware: <c>--bdn --filter '*'</c>).
/// </summary>
public static class Program
{
    /// <summary>Runs the selected mode.</summary>
    public static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length > 0 && args[0] == "--bdn")
        {
            var rest = args.Skip(1).ToList();
            bool namedJob = rest.Any(static a => a is "--job" or "-j");
            if (namedJob && !rest.Contains("--inProcess"))
                rest.Add("--inProcess");
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest], new InProcessConfig(withJob: !namedJob));
            return 0;
        }
        if (args.Length >= 1 && args[0] == "--bytes")
            return Bytes(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000);
        if (args.Length >= 2 && args[0] == "--profile")
            return AllocationProfile.Run(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200_000);
        if (args.Length == 3 && args[0] == "--spin")
            return Spin(args[1], double.Parse(args[2], CultureInfo.InvariantCulture));
        if (args.Length > 0 && args[0] == "--server")
            return await BenchServer.RunAsync(maxSeconds: 600);

        var options = new KestrelOptions();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--kestrel":
                    break;
                case "--short":
                    options.UseShortMode();
                    break;
                case "--rounds":
                    options.Rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--seconds":
                    options.RoundDuration = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture));
                    break;
                case "--connections":
                    options.Connections = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--only":
                    options.Only = args[++i];
                    break;
                case "--out":
                    options.OutputFile = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'. Use --short, --rounds N, --seconds S, --connections N, --only PATH, --out FILE, --server, or --bdn [BenchmarkDotNet arguments].");
                    return 2;
            }
        }
        return await new KestrelRun(options).RunAsync();
    }

    /// <summary>
    /// The in-process cases' exact bytes per request, in seconds rather than BenchmarkDotNet's minutes: each case runs
    /// <paramref name="count"/> times after a warm-up, and the process's allocated bytes (every thread's: the fan-outs'
    /// children run on the pool) are divided by that count. Then CPU per request of each table's twins, alternated in
    /// rounds in this one process, as ratios (the machine is shared; only the ratios mean something).
    /// </summary>
    static int Bytes(int count)
    {
        var benchmarks = new RequestMiddlewareBenchmarks();
        benchmarks.Setup();
        (string Name, Action Run)[] cases =
        [
            ("plain, sync handler", benchmarks.PlainSync),
            ("UseStructuredRequests, sync handler", benchmarks.ScopedSync),
            ("plain, async handler", benchmarks.PlainAsync),
            ("UseStructuredRequests, async handler", benchmarks.ScopedAsync),
            ("plain, Task.WhenAll fan-out", benchmarks.PlainWhenAll),
            ("UseStructuredRequests, Task.WhenAll fan-out", benchmarks.ScopedWhenAll),
            ("UseStructuredRequests, nursery fan-out", benchmarks.ScopedNursery),
            ("UseStructuredRequests, nursery fan-out, async body", benchmarks.ScopedNurseryAsyncBody),
        ];
        var bytes = new double[cases.Length];
        var cpu = new double[cases.Length];
        for (int round = 0; round < 5; round++)
        {
            for (int k = 0; k < cases.Length; k++)
            {
                // Rotated each round, so that no case always runs after the same one.
                int c = (k + round) % cases.Length;
                var run = cases[c].Run;
                for (int i = 0; i < count / 10; i++)
                    run();
                long before = GC.GetTotalAllocatedBytes(precise: true);
                var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                for (int i = 0; i < count; i++)
                    run();
                var cpuAfter = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                long after = GC.GetTotalAllocatedBytes(precise: true);
                if (round > 0)
                {
                    bytes[c] += (after - before) / (double)count;
                    cpu[c] += (cpuAfter - cpuBefore).TotalNanoseconds / count;
                }
            }
        }
        benchmarks.Cleanup();
        Console.WriteLine("| case | B/request | CPU ns/request | CPU vs its twin |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        for (int c = 0; c < cases.Length; c++)
        {
            // The twins: each scoped case against the plain one before it; the nurseries against the scoped Task.WhenAll.
            int twin = c >= 6 ? 5 : c % 2 == 1 ? c - 1 : -1;
            string ratio = twin < 0 ? "" : $"{cpu[c] / cpu[twin]:0.00}x";
            Console.WriteLine($"| {cases[c].Name} | {bytes[c] / 4:0} | {cpu[c] / 4:0} | {ratio} |");
        }
        return 0;
    }

    /// <summary>
    /// Runs one in-process case of <see cref="RequestMiddlewareBenchmarks"/> (its method name) in a loop for a while, for
    /// a profiler attached to this process (<c>dotnet-trace collect -- ... --spin ScopedSync 20</c>).
    /// </summary>
    static int Spin(string method, double seconds)
    {
        var benchmarks = new RequestMiddlewareBenchmarks();
        benchmarks.Setup();
        var run = typeof(RequestMiddlewareBenchmarks).GetMethod(method)?.CreateDelegate<Action>(benchmarks)
            ?? throw new ArgumentException($"No case '{method}' in RequestMiddlewareBenchmarks.", nameof(method));
        long count = 0;
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var end = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(seconds * System.Diagnostics.Stopwatch.Frequency);
        while (System.Diagnostics.Stopwatch.GetTimestamp() < end)
        {
            for (int i = 0; i < 1000; i++)
                run();
            count += 1000;
        }
        cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu;
        benchmarks.Cleanup();
        Console.WriteLine($"{method}: {count} requests, {seconds * 1e9 / count:0} ns each, {cpu.TotalNanoseconds / count:0} ns of CPU (the process's, with the GC's)");
        return 0;
    }
}
