using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace AspNetBench;

/// <summary>
/// The Kestrel benchmark from one command: starts the server as a separate process, opens the connections, runs a
/// warm-up round and the measured rounds (every variant once per round, in an order rotated each round, so that load
/// from elsewhere on the machine falls on all of them alike), prints the ratios to plain, and stops the server.
/// </summary>
public sealed class KestrelRun(KestrelOptions options)
{
    /// <summary>Runs the benchmark; returns the process exit code (0, or 1 when a round failed).</summary>
    public async Task<int> RunAsync()
    {
        using var deadline = new CancellationTokenSource(options.Bound);
        using var server = StartServer();
        try
        {
            int port = await ReadPortAsync(server, deadline.Token);
            Console.Error.WriteLine($"server pid {server.Id} on 127.0.0.1:{port}; {options.Connections} connections, "
                + $"{options.Rounds} rounds of {options.RoundDuration.TotalSeconds:0.#} s per variant after a {options.WarmupDuration.TotalSeconds:0.#} s warm-up");
            await using var load = await LoadGenerator.OpenAsync(port, options.Connections, deadline.Token);
            var variants = Variant.All.Where(v => options.Only is null || v.Path.Contains(options.Only, StringComparison.Ordinal)).ToArray();
            var results = variants.ToDictionary(static v => v, static _ => new List<RoundResult>());
            for (int round = 0; round <= options.Rounds; round++)
            {
                bool warmup = round == 0;
                for (int i = 0; i < variants.Length; i++)
                {
                    var variant = variants[(i + round) % variants.Length];
                    var result = await load.RunAsync(variant, warmup ? options.WarmupDuration : options.RoundDuration, options.MaxRequestsPerRound, deadline.Token);
                    if (result.Errors > 0)
                        throw new InvalidOperationException($"{variant.Name}: {result.Errors} responses were not 200.");
                    Console.Error.WriteLine($"  round {(warmup ? "warm-up" : round.ToString(CultureInfo.InvariantCulture))}: {variant.Name,-32} "
                        + $"{result.RequestsPerSecond,9:0} req/s  p99 {result.LatencyMs(0.99),7:0.00} ms  {result.AllocatedBytes / (double)result.Requests,7:0} B/req");
                    if (!warmup)
                        results[variant].Add(result);
                }
            }
            if (options.Only is not null)
                return 0;
            var report = KestrelReport.Build(results, options);
            Console.WriteLine(report);
            if (options.OutputFile is { } file)
                await File.WriteAllTextAsync(file, report);
            return 0;
        }
        finally
        {
            await StopServerAsync(server);
        }
    }

    static Process StartServer()
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("No process path: run the benchmark as a program (dotnet run).");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Under `dotnet Structured.AspNetBench.dll` the process is the host: hand it the assembly again.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
        start.ArgumentList.Add("--server");
        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start the server process {self}.");
    }

    static async Task<int> ReadPortAsync(Process server, CancellationToken cancellationToken)
    {
        while (await server.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            const string Prefix = "listening on ";
            if (line.StartsWith(Prefix, StringComparison.Ordinal))
                return int.Parse(line.AsSpan(Prefix.Length), CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"The server process exited before it listened (exit code {server.ExitCode}).");
    }

    static async Task StopServerAsync(Process server)
    {
        if (server.HasExited)
            return;
        // Closing its standard input stops the server; killing it is for a server that does not stop.
        server.StandardInput.Close();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await server.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            server.Kill(entireProcessTree: true);
        }
    }
}
