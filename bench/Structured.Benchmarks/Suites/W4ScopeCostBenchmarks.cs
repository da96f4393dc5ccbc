using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Benchmarks;

/// <summary>
/// W4 cancel scope enter + exit, nothing cancelled, per scope (1,000,000 in a row). Baseline of the
/// <c>deadline</c> table: linked <c>CancellationTokenSource</c> + <c>CancelAfter(1 h)</c> + <c>Dispose</c>;
/// of the <c>nodeadline</c> table: <c>new CancellationTokenSource()</c> + <c>Dispose</c>.
/// </summary>
[Config(typeof(BenchConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class W4ScopeCostBenchmarks
{
    const int K = 1_000_000;

    [Benchmark(Description = "Structured, Loop: MoveOnAfter(1 h)", OperationsPerInvoke = K), BenchmarkCategory("deadline")]
    public double LoopDeadline() => Hosts.OnLoop(() => ScopeCost.StructuredAsync(K, deadline: true));

    [Benchmark(Description = "Structured, off Loop: MoveOnAfter(1 h)", OperationsPerInvoke = K), BenchmarkCategory("deadline")]
    public double OffLoopDeadline() => Hosts.OnPool(() => ScopeCost.StructuredAsync(K, deadline: true));

    [Benchmark(Description = "raw: CTS + CancelAfter", OperationsPerInvoke = K), BenchmarkCategory("deadline")]
    public double RawDeadline() => Hosts.OnPool(() => ScopeCost.RawAsync(K, deadline: true));

    [Benchmark(Baseline = true, Description = "raw: linked CTS + CancelAfter", OperationsPerInvoke = K), BenchmarkCategory("deadline")]
    public double RawLinkedDeadline() => Hosts.OnPool(() => ScopeCost.RawLinkedAsync(K));

    [Benchmark(Description = "raw AsyncContext: linked CTS + CancelAfter", OperationsPerInvoke = K), BenchmarkCategory("deadline")]
    public double RawAsyncContextLinkedDeadline() => Hosts.InAsyncContext(() => ScopeCost.RawLinkedAsync(K));

    [Benchmark(Description = "Structured, Loop: new CancelScope()", OperationsPerInvoke = K), BenchmarkCategory("nodeadline")]
    public double LoopNoDeadline() => Hosts.OnLoop(() => ScopeCost.StructuredAsync(K, deadline: false));

    [Benchmark(Description = "Structured, off Loop: new CancelScope()", OperationsPerInvoke = K), BenchmarkCategory("nodeadline")]
    public double OffLoopNoDeadline() => Hosts.OnPool(() => ScopeCost.StructuredAsync(K, deadline: false));

    [Benchmark(Baseline = true, Description = "raw: new CTS", OperationsPerInvoke = K), BenchmarkCategory("nodeadline")]
    public double RawNoDeadline() => Hosts.OnPool(() => ScopeCost.RawAsync(K, deadline: false));
}
