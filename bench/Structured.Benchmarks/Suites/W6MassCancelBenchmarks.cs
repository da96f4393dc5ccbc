using BenchmarkDotNet.Attributes;

namespace Benchmarks;

/// <summary>
/// W6 park: N tasks each blocked on something of its own, then cancelled all at once, per task. BenchmarkDotNet
/// times the whole invocation (spawn, block, cancel, join); the quick mode times the cancel-and-join part alone,
/// as WORKLOADS.md defines it. Baseline: raw pool (<c>Task.Delay(Infinite, token)</c> + <c>cts.Cancel()</c>).
/// </summary>
[Config(typeof(SlowBenchConfig))]
public class W6MassCancelBenchmarks
{
    /// <summary>Tasks: 100,000 and 200,000 (linearity).</summary>
    [Params(100_000, 200_000)]
    public int N { get; set; }

    [Benchmark(Description = "Structured, Loop: SleepForeverAsync")]
    public double Loop() => Hosts.OnLoop(() => MassCancel.StructuredAsync(N, park: true)).Cancel;

    [Benchmark(Description = "Structured, off Loop")]
    public double OffLoop() => Hosts.OnPool(() => MassCancel.StructuredAsync(N, park: true)).Cancel;

    [Benchmark(Baseline = true, Description = "raw pool: Task.Delay(Infinite, token)")]
    public double RawPool() => Hosts.OnPool(() => MassCancel.RawAsync(N, park: true)).Cancel;

    [Benchmark(Description = "raw AsyncContext")]
    public double RawAsyncContext() => Hosts.InAsyncContext(() => MassCancel.RawAsync(N, park: true)).Cancel;
}
