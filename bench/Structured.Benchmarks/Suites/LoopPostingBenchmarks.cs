using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Benchmarks;

/// <summary>
/// Issue 2's loop benchmark: 1,000,000 callbacks posted and run, per callback, same-thread and cross-thread.
/// Baseline: Nito's <c>AsyncContext</c> (target: the Loop at least 3× faster same-thread).
/// </summary>
[Config(typeof(BenchConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class LoopPostingBenchmarks
{
    const int N = 1_000_000;

    [Benchmark(Description = "Loop.Post", OperationsPerInvoke = N), BenchmarkCategory("same-thread")]
    public double LoopSameThread() => Hosts.OnLoop(() => Posting.LoopSameThreadAsync(N));

    [Benchmark(Baseline = true, Description = "AsyncContext SynchronizationContext.Post", OperationsPerInvoke = N), BenchmarkCategory("same-thread")]
    public double AsyncContextSameThread() => Hosts.InAsyncContext(() => Posting.ContextSameThreadAsync(N));

    [Benchmark(Description = "ThreadPool.UnsafeQueueUserWorkItem (local)", OperationsPerInvoke = N), BenchmarkCategory("same-thread")]
    public double PoolSameThread() => Hosts.OnPool(() => Posting.PoolSameThreadAsync(N));

    [Benchmark(Description = "Loop.Post", OperationsPerInvoke = N), BenchmarkCategory("cross-thread")]
    public double LoopCrossThread() => Hosts.OnLoop(() => Posting.LoopCrossThreadAsync(N));

    [Benchmark(Baseline = true, Description = "AsyncContext SynchronizationContext.Post", OperationsPerInvoke = N), BenchmarkCategory("cross-thread")]
    public double AsyncContextCrossThread() => Hosts.InAsyncContext(() => Posting.ContextCrossThreadAsync(N));

    [Benchmark(Description = "ThreadPool.UnsafeQueueUserWorkItem (global)", OperationsPerInvoke = N), BenchmarkCategory("cross-thread")]
    public double PoolCrossThread() => Hosts.OnPool(() => Posting.PoolCrossThreadAsync(N));
}
