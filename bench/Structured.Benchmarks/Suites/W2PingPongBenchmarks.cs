using BenchmarkDotNet.Attributes;

namespace Benchmarks;

/// <summary>W2 ping-pong, per round trip. Baseline: raw BCL bounded channels inside AsyncContext (issue 7's baseline).</summary>
[Config(typeof(BenchConfig))]
public class W2PingPongBenchmarks
{
    const int N = 200_000;

    /// <summary>Channel capacity: 0 = rendezvous, 1.</summary>
    [Params(0, 1)]
    public int Capacity { get; set; }

#if WITH_CHANNELS
    [Benchmark(Description = "Structured, Loop", OperationsPerInvoke = N)]
    public double Loop() => Hosts.OnLoop(() => PingPong.StructuredAsync(N, Capacity));

    [Benchmark(Description = "Structured, off Loop", OperationsPerInvoke = N)]
    public double OffLoop() => Hosts.OnPool(() => PingPong.StructuredAsync(N, Capacity));
#endif

    [Benchmark(Description = "raw pool: BCL Channel", OperationsPerInvoke = N)]
    public double RawPool() => Hosts.OnPool(() => PingPong.RawAsync(N, Capacity));

    [Benchmark(Baseline = true, Description = "raw AsyncContext: BCL Channel", OperationsPerInvoke = N)]
    public double RawAsyncContext() => Hosts.InAsyncContext(() => PingPong.RawAsync(N, Capacity));
}
