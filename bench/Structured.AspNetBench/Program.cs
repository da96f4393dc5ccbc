using System.Globalization;
using BenchmarkDotNet.Running;

namespace AspNetBench;

/// <summary>
/// Entry point. No arguments (or <c>--kestrel</c>): the Kestrel benchmark, about 2 minutes; <c>--short</c>: its short
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
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. args.Skip(1)], new InProcessConfig());
            return 0;
        }
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
}
