using BenchmarkDotNet.Attributes;
using Structured;

namespace Benchmarks;

/// <summary>
/// Results from many children (issue 26, item 5), per item: <see cref="Nursery.MapAsync{TSource, TResult}(IEnumerable{TSource}, Func{TSource, CancellationToken, Task{TResult}}, int, string?)"/>
/// and <see cref="Nursery.StartSoonForResult{T}(Func{CancellationToken, Task{T}}, string?)"/> against what a user writes
/// without us: <c>Task.WhenAll</c> over a <c>Select</c> (unbounded) and <c>Parallel.ForEachAsync</c> into an array
/// (bounded). Each item yields once, so every variant really suspends and resumes. Off the Loop (the thread pool, where
/// the BCL twins run) and on the Loop.
/// </summary>
[Config(typeof(BenchConfig))]
public class MapResultsBenchmarks
{
    const int N = 10_000;
    static readonly int[] s_items = Enumerable.Range(0, N).ToArray();

    /// <summary>How many items may run at once (the bounded variants).</summary>
    [Params(16)]
    public int Limit { get; set; }

    static async Task<int> Work(int x, CancellationToken token)
    {
        await Task.Yield();
        return x + 1;
    }

    [Benchmark(Baseline = true, Description = "Task.WhenAll(Select), pool", OperationsPerInvoke = N)]
    public long WhenAll() => Hosts.OnPool(async () => Sum(await Task.WhenAll(s_items.Select(x => Work(x, CancellationToken.None)))));

    [Benchmark(Description = "Parallel.ForEachAsync into array, pool", OperationsPerInvoke = N)]
    public long ParallelForEach() => Hosts.OnPool(async () =>
    {
        var results = new int[N];
        await Parallel.ForEachAsync(s_items, new ParallelOptions { MaxDegreeOfParallelism = Limit }, async (x, token) => results[x] = await Work(x, token));
        return Sum(results);
    });

    [Benchmark(Description = "Nursery.MapAsync bounded, off Loop", OperationsPerInvoke = N)]
    public long MapBoundedOffLoop() => Hosts.OnPool(async () => Sum(await Nursery.MapAsync(s_items, Work, Limit)));

    [Benchmark(Description = "Nursery.MapAsync unbounded, off Loop", OperationsPerInvoke = N)]
    public long MapUnboundedOffLoop() => Hosts.OnPool(async () => Sum(await Nursery.MapAsync(s_items, Work, -1)));

    [Benchmark(Description = "StartSoonForResult x N, off Loop", OperationsPerInvoke = N)]
    public long StartSoonForResultOffLoop() => Hosts.OnPool(StartSoonForResultAsync);

    [Benchmark(Description = "Nursery.MapAsync bounded, Loop", OperationsPerInvoke = N)]
    public long MapBoundedLoop() => Hosts.OnLoop(async () => Sum(await Nursery.MapAsync(s_items, Work, Limit)));

    [Benchmark(Description = "StartSoonForResult x N, Loop", OperationsPerInvoke = N)]
    public long StartSoonForResultLoop() => Hosts.OnLoop(StartSoonForResultAsync);

    static async Task<long> StartSoonForResultAsync()
    {
        var results = new ChildResult<int>[N];
        await Nursery.RunAsync(nursery =>
        {
            for (int i = 0; i < N; i++)
            {
                int x = i;
                results[i] = nursery.StartSoonForResult(token => Work(x, token), "item");
            }
            return Task.CompletedTask;
        });
        long sum = 0;
        foreach (var result in results)
            sum += result.Value;
        return sum;
    }

    static long Sum(int[] values)
    {
        long sum = 0;
        foreach (var value in values)
            sum += value;
        return sum;
    }
}
