using BenchmarkDotNet.Attributes;

namespace Benchmarks;

/// <summary>
/// W6 event-wait: 25,000 tasks wait on one shared event, then all are cancelled (O(N²) for a shared BCL task's
/// continuation list; O(N) for Structured's intrusive wait queue). Baseline: raw pool.
/// </summary>
[Config(typeof(SlowBenchConfig))]
public class W6EventWaitBenchmarks
{
    const int N = 25_000;

    [Benchmark(Description = "Structured, Loop: Event.WaitAsync")]
    public double Loop() => Hosts.OnLoop(() => MassCancel.StructuredAsync(N, park: false)).Cancel;

    [Benchmark(Description = "Structured, off Loop")]
    public double OffLoop() => Hosts.OnPool(() => MassCancel.StructuredAsync(N, park: false)).Cancel;

    [Benchmark(Baseline = true, Description = "raw pool: gate.Task.WaitAsync(token)")]
    public double RawPool() => Hosts.OnPool(() => MassCancel.RawAsync(N, park: false)).Cancel;

    [Benchmark(Description = "raw AsyncContext")]
    public double RawAsyncContext() => Hosts.InAsyncContext(() => MassCancel.RawAsync(N, park: false)).Cancel;
}
