using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Benchmarks;

/// <summary>
/// The thread-pool path (issue 24): each primitive of Structured off the Loop against its BCL twin, one table per
/// primitive (category), the twin its baseline. Per operation. docs/performance.md, "The thread-pool path".
/// </summary>
[Config(typeof(BenchConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class ThreadPoolPathBenchmarks
{
    const int Sleeps = 200, Scopes = 100_000, Children = 100_000, Waits = 20_000;
    static readonly CancellationTokenSource s_outer = new();

    [Benchmark(Description = "Structured: Time.SleepAsync(1 ms)", OperationsPerInvoke = Sleeps), BenchmarkCategory("sleep")]
    public double Sleep() => Hosts.OnPool(() => OffLoopTwins.SleepAsync(Sleeps));

    [Benchmark(Baseline = true, Description = "BCL: Task.Delay(1 ms)", OperationsPerInvoke = Sleeps), BenchmarkCategory("sleep")]
    public double Delay() => Hosts.OnPool(() => OffLoopTwins.DelayAsync(Sleeps));

    [Benchmark(Description = "Structured: MoveOnAfter(1 h).RunAsync in a task", OperationsPerInvoke = Scopes), BenchmarkCategory("scope")]
    public double ScopeInTask() => Hosts.OnPool(() => ScopeCost.StructuredInTaskAsync(Scopes, deadline: true));

    [Benchmark(Description = "Structured: MoveOnAfter(1 h).RunAsync outside any task", OperationsPerInvoke = Scopes), BenchmarkCategory("scope")]
    public double ScopeOutsideTask() => Hosts.OnPool(() => OffLoopTwins.ScopeWithDeadlineRunAsync(Scopes));

    // The fair twin is the baseline: what a user writes without Structured (an async method with a linked source and a
    // body awaited with its token); the inline linked source, the least the BCL can do, stays beside it, labelled.
    [Benchmark(Baseline = true, Description = "BCL: async method, linked CTS + CancelAfter(1 h), await body(token)", OperationsPerInvoke = Scopes), BenchmarkCategory("scope")]
    public double LinkedCtsAsyncMethod() => Hosts.OnPool(() => OffLoopTwins.LinkedCtsAsyncMethod(Scopes, s_outer.Token));

    [Benchmark(Description = "BCL, least: linked CTS + CancelAfter(1 h) inline, no body", OperationsPerInvoke = Scopes), BenchmarkCategory("scope")]
    public double LinkedCts() => Hosts.OnPool(() => OffLoopTwins.LinkedCts(Scopes, s_outer.Token));

    [Benchmark(Description = "Structured: Nursery.RunAsync + StartSoon x N", OperationsPerInvoke = Children), BenchmarkCategory("spawn")]
    public double SpawnJoin() => Hosts.OnPool(() => Benchmarks.SpawnJoin.StructuredAsync(Children, Benchmarks.SpawnJoin.Body.AsyncLambda));

    [Benchmark(Baseline = true, Description = "BCL: Task.Run x N + Task.WhenAll", OperationsPerInvoke = Children), BenchmarkCategory("spawn")]
    public double TaskRunWhenAll() => Hosts.OnPool(() => Benchmarks.SpawnJoin.RawAsync(Children, Benchmarks.SpawnJoin.Body.AsyncLambda));

    [Benchmark(Description = "Structured: Event.WaitAsync, set from the pool", OperationsPerInvoke = Waits), BenchmarkCategory("event")]
    public double EventWait() => Hosts.OnPool(() => OffLoopTwins.EventWaitAsync(Waits));

    [Benchmark(Baseline = true, Description = "BCL: TaskCompletionSource, set from the pool", OperationsPerInvoke = Waits), BenchmarkCategory("event")]
    public double TcsWait() => Hosts.OnPool(() => OffLoopTwins.TcsWaitAsync(Waits));

#if WITH_CHANNELS
    [Benchmark(Description = "Structured: ReceiveAsync that waits", OperationsPerInvoke = Waits), BenchmarkCategory("channel")]
    public double ChannelWait() => Hosts.OnPool(() => OffLoopTwins.ChannelWaitAsync(Waits));
#endif

    [Benchmark(Baseline = true, Description = "BCL: Channel ReadAsync that waits", OperationsPerInvoke = Waits), BenchmarkCategory("channel")]
    public double BclChannelWait() => Hosts.OnPool(() => OffLoopTwins.BclChannelWaitAsync(Waits));
}
