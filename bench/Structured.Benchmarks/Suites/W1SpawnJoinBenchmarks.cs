using BenchmarkDotNet.Attributes;

namespace Benchmarks;

/// <summary>W1 spawn + join of 100,000 children, per child. Baseline: raw <c>Task.Run</c> + <c>Task.WhenAll</c> on the pool.</summary>
[Config(typeof(BenchConfig))]
public class W1SpawnJoinBenchmarks
{
    const int N = 100_000;

    /// <summary><c>false</c>: the child is empty; <c>true</c>: it yields once.</summary>
    [Params(false, true)]
    public bool Yield { get; set; }

    [Benchmark(Description = "Structured, Loop", OperationsPerInvoke = N)]
    public double Loop() => Hosts.OnLoop(() => SpawnJoin.StructuredAsync(N, Yield));

    [Benchmark(Description = "Structured, off Loop", OperationsPerInvoke = N)]
    public double OffLoop() => Hosts.OnPool(() => SpawnJoin.StructuredAsync(N, Yield));

    [Benchmark(Baseline = true, Description = "raw pool: Task.Run + WhenAll", OperationsPerInvoke = N)]
    public double RawPool() => Hosts.OnPool(() => SpawnJoin.RawAsync(N, Yield));

    [Benchmark(Description = "raw AsyncContext: StartNew + WhenAll", OperationsPerInvoke = N)]
    public double RawAsyncContext() => Hosts.InAsyncContext(() => SpawnJoin.RawAsync(N, Yield));
}
