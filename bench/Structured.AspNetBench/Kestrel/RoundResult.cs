namespace AspNetBench;

/// <summary>What one variant measured in one round: its requests, their latencies, and the server's bytes and CPU time over them.</summary>
public sealed class RoundResult
{
    /// <summary>Responses received with status 200.</summary>
    public long Requests { get; init; }

    /// <summary>Responses with another status, and connections that failed.</summary>
    public long Errors { get; init; }

    /// <summary>Wall time of the round's load, in seconds.</summary>
    public double Seconds { get; init; }

    /// <summary>Every request's latency, in Stopwatch ticks, sorted.</summary>
    public required long[] Latencies { get; init; }

    /// <summary>The server's <c>GC.GetTotalAllocatedBytes</c> over the round.</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>The server process's CPU time over the round, in TimeSpan ticks (100 ns).</summary>
    public long CpuTicks { get; init; }

    /// <summary>Requests per second.</summary>
    public double RequestsPerSecond => Requests / Seconds;

    /// <summary>The latency at quantile <paramref name="q"/> (0..1), in milliseconds.</summary>
    public double LatencyMs(double q)
    {
        if (Latencies.Length == 0)
            return double.NaN;
        int index = Math.Clamp((int)Math.Ceiling(q * Latencies.Length) - 1, 0, Latencies.Length - 1);
        return Latencies[index] * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
    }
}
