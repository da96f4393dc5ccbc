using BenchmarkDotNet.Attributes;

namespace Benchmarks;

/// <summary>
/// Issue 15: what a listener on the <c>Structured</c> meter (and activity source) costs, per operation, on the Loop.
/// Baseline: the same workload with nobody listening. The quick mode's <c>listen</c> rows measure the same.
/// </summary>
[Config(typeof(BenchConfig))]
public class ListenerCostBenchmarks
{
    const int Spawns = 100_000, Posts = 1_000_000;

    TelemetryListeners? _listeners;

    /// <summary>none: nobody listens; metrics: every instrument of the meter; traces: that and every activity sampled.</summary>
    [Params("none", "metrics", "traces")]
    public string Listener { get; set; } = "none";

    /// <summary>Attaches the listener of <see cref="Listener"/>.</summary>
    [GlobalSetup]
    public void Attach() => _listeners = Listener == "none" ? null : TelemetryListeners.Attach(traces: Listener == "traces");

    /// <summary>Detaches it.</summary>
    [GlobalCleanup]
    public void Detach() => _listeners?.Dispose();

    [Benchmark(Description = "W1 spawn + join, Loop", OperationsPerInvoke = Spawns)]
    public double SpawnJoin() => Hosts.OnLoop(() => Benchmarks.SpawnJoin.StructuredAsync(Spawns, yield: false));

    [Benchmark(Description = "same-thread Loop.Post", OperationsPerInvoke = Posts)]
    public double SameThreadPost() => Hosts.OnLoop(() => Posting.LoopSameThreadAsync(Posts));
}
