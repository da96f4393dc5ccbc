namespace Benchmarks;

/// <summary>
/// One timed repetition: the seconds of the timed region, the bytes allocated (all threads) during the call, a
/// workload-specific extra figure, the GC pause time, gen-0 collections and exceptions thrown during the call (for the profile notes).
/// </summary>
public readonly record struct Sample(double Seconds, double Bytes, double Extra = 0, double GcPauseSeconds = 0, int Collections = 0, long Exceptions = 0);
