using System.Globalization;
using BenchmarkDotNet.Running;

namespace AspNetBench;

/// <summary>
/// Entry point. No arguments (or <c>--kestrel</c>): the Kestrel benchmark, about 90 s; <c>--short</c>: its short
/// mode, about 40 s; <c>--server</c>: the server process that the benchmark starts itself; <c>--bdn</c> and what follows
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
