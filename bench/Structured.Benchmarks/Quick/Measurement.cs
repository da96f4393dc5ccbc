namespace Benchmarks;

/// <summary>The median result of one (workload, variant, host) in the quick mode.</summary>
/// <param name="Workload">W1 ... W6, or "post".</param>
/// <param name="Variant">The variant (noop, cap0, b1024-4p4c, ...).</param>
/// <param name="Host">One of the <see cref="Hosts"/> names.</param>
/// <param name="N">Operations per repetition.</param>
/// <param name="Seconds">Median seconds of the timed region per repetition.</param>
/// <param name="Bytes">Median bytes allocated per repetition.</param>
/// <param name="Extra">Median of the workload's extra figure (W5: peak RSS delta in bytes; W6: seconds to spawn and block).</param>
/// <param name="Reps">Measured repetitions.</param>
/// <param name="Exceptions">Median exceptions thrown per repetition.</param>
/// <param name="GcPauseSeconds">Median GC pause time per repetition.</param>
public sealed record Measurement(string Workload, string Variant, string Host, int N, double Seconds, double Bytes, double Extra, int Reps, double Exceptions = 0, double GcPauseSeconds = 0)
{
    /// <summary>Exceptions thrown per operation.</summary>
    public double ExceptionsPerOp => Exceptions / N;

    /// <summary>Nanoseconds per operation.</summary>
    public double NsPerOp => Seconds / N * 1e9;

    /// <summary>Bytes allocated per operation.</summary>
    public double BytesPerOp => Bytes / N;

    /// <summary>Operations per second.</summary>
    public double OpsPerSecond => N / Seconds;
}
