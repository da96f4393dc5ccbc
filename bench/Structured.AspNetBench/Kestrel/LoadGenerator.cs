using System.Diagnostics;
using System.Globalization;

namespace AspNetBench;

/// <summary>
/// The load generator: a fixed set of keep-alive connections (128 by default), each sending one request after another
/// to one variant's path for a bounded time or request count, and a connection of its own for the server's
/// <c>/stats</c>, read just before and just after each variant's run.
/// </summary>
public sealed class LoadGenerator : IAsyncDisposable
{
    readonly int _port;
    readonly HttpConnection[] _connections;
    readonly HttpConnection _stats;

    LoadGenerator(int port, HttpConnection[] connections, HttpConnection stats)
    {
        _port = port;
        _connections = connections;
        _stats = stats;
    }

    /// <summary>Opens <paramref name="connections"/> connections to the server at <paramref name="port"/>.</summary>
    public static async Task<LoadGenerator> OpenAsync(int port, int connections, CancellationToken cancellationToken)
    {
        var opened = new HttpConnection[connections];
        for (int i = 0; i < connections; i++)
            opened[i] = await HttpConnection.OpenAsync(port, cancellationToken);
        return new LoadGenerator(port, opened, await HttpConnection.OpenAsync(port, cancellationToken));
    }

    /// <summary>Runs <paramref name="variant"/> for <paramref name="duration"/> or <paramref name="maxRequests"/> requests, whichever comes first.</summary>
    public async Task<RoundResult> RunAsync(Variant variant, TimeSpan duration, long maxRequests, CancellationToken cancellationToken)
    {
        var request = HttpConnection.Request(variant.Path);
        var (allocatedBefore, cpuBefore) = await ReadStatsAsync(cancellationToken);
        long started = 0;
        long errors = 0;
        var latencies = new List<long>[_connections.Length];
        var watch = Stopwatch.StartNew();
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = new Task[_connections.Length];
        for (int i = 0; i < _connections.Length; i++)
        {
            var connection = _connections[i];
            var own = latencies[i] = new List<long>(4096);
            workers[i] = Task.Run(async () =>
            {
                while (Stopwatch.GetTimestamp() < end && Interlocked.Increment(ref started) <= maxRequests)
                {
                    long sent = Stopwatch.GetTimestamp();
                    var (status, _) = await connection.SendAsync(request, cancellationToken);
                    long received = Stopwatch.GetTimestamp();
                    if (status == 200)
                        own.Add(received - sent);
                    else
                        Interlocked.Increment(ref errors);
                }
            }, cancellationToken);
        }
        await Task.WhenAll(workers);
        double seconds = watch.Elapsed.TotalSeconds;
        var (allocatedAfter, cpuAfter) = await ReadStatsAsync(cancellationToken);
        var all = latencies.SelectMany(static l => l).ToArray();
        Array.Sort(all);
        return new RoundResult
        {
            Requests = all.Length,
            Errors = errors,
            Seconds = seconds,
            Latencies = all,
            AllocatedBytes = allocatedAfter - allocatedBefore,
            CpuTicks = cpuAfter - cpuBefore,
        };
    }

    async Task<(long Allocated, long CpuTicks)> ReadStatsAsync(CancellationToken cancellationToken)
    {
        var (status, body) = await _stats.SendAsync(HttpConnection.Request("/stats"), cancellationToken);
        if (status != 200)
            throw new IOException($"GET /stats of the server on port {_port} answered {status}.");
        var parts = body.Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
            connection.Dispose();
        _stats.Dispose();
        return ValueTask.CompletedTask;
    }
}
