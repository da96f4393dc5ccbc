using BenchmarkDotNet.Attributes;

namespace Benchmarks;

/// <summary>W3 channel throughput, per item (1,000,000 items). Baseline: raw BCL channel inside AsyncContext (issue 7's baseline).</summary>
[Config(typeof(BenchConfig))]
public class W3ThroughputBenchmarks
{
    const int M = 1_000_000;

    /// <summary>1024 (bounded) or -1 (unbounded).</summary>
    [Params(1024, Throughput.Unbounded)]
    public int Capacity { get; set; }

    /// <summary>Producers, and as many consumers.</summary>
    [Params(1, 4)]
    public int Tasks { get; set; }

#if WITH_CHANNELS
    [Benchmark(Description = "Structured, Loop", OperationsPerInvoke = M)]
    public double Loop() => Hosts.OnLoop(() => Throughput.StructuredAsync(M, Capacity, Tasks, Tasks));

    [Benchmark(Description = "Structured, off Loop", OperationsPerInvoke = M)]
    public double OffLoop() => Hosts.OnPool(() => Throughput.StructuredAsync(M, Capacity, Tasks, Tasks));

    [Benchmark(Description = "Structured, Loop, TryReceive loop", OperationsPerInvoke = M)]
    public double LoopTryReceive() => Hosts.OnLoop(() => Throughput.StructuredAsync(M, Capacity, Tasks, Tasks, tryReceiveLoop: true));

    [Benchmark(Description = "Structured, off Loop, TryReceive loop", OperationsPerInvoke = M)]
    public double OffLoopTryReceive() => Hosts.OnPool(() => Throughput.StructuredAsync(M, Capacity, Tasks, Tasks, tryReceiveLoop: true));
#endif

    [Benchmark(Description = "raw pool: BCL Channel", OperationsPerInvoke = M)]
    public double RawPool() => Hosts.OnPool(() => Throughput.RawAsync(M, Capacity, Tasks, Tasks));

    [Benchmark(Baseline = true, Description = "raw AsyncContext: BCL Channel", OperationsPerInvoke = M)]
    public double RawAsyncContext() => Hosts.InAsyncContext(() => Throughput.RawAsync(M, Capacity, Tasks, Tasks));
}
