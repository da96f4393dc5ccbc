using BenchmarkDotNet.Attributes;

namespace Benchmarks;

/// <summary>
/// W5: 100,000 distinct timeouts (0.5–1.0 s), time of the whole group (ideal: 1 s) and bytes allocated.
/// Peak RSS, measured in a fresh process per repetition, is in the quick mode (<c>--quick</c>). Baseline: raw pool.
/// </summary>
[Config(typeof(SlowBenchConfig))]
public class W5TimeoutsBenchmarks
{
    const int N = 100_000;

    [Benchmark(Description = "Structured, Loop: MoveOnAfter + SleepAsync")]
    public double Loop() => Hosts.OnLoop(() => Timeouts.StructuredAsync(N, 0.5, 0.5));

    [Benchmark(Description = "Structured, off Loop")]
    public double OffLoop() => Hosts.OnPool(() => Timeouts.StructuredAsync(N, 0.5, 0.5));

    [Benchmark(Baseline = true, Description = "raw pool: CancelAfter + Task.Delay")]
    public double RawPool() => Hosts.OnPool(() => Timeouts.RawAsync(N, 0.5, 0.5));

    [Benchmark(Description = "raw AsyncContext: CancelAfter + Task.Delay")]
    public double RawAsyncContext() => Hosts.InAsyncContext(() => Timeouts.RawAsync(N, 0.5, 0.5));
}
