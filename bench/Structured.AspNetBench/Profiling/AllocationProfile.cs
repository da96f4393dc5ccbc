using BenchShared;

namespace AspNetBench;

/// <summary>
/// Allocation by type, sampled in this process (<see cref="AllocationSampler"/>) while one in-process case of
/// <see cref="RequestMiddlewareBenchmarks"/> runs (<c>--profile ScopedNursery</c>). What the exact bytes of <c>--bytes</c> are made of, without a trace tool.
/// </summary>
public static class AllocationProfile
{
    /// <summary>Runs the case <paramref name="method"/> <paramref name="count"/> times to warm up, then sampled; prints the types, largest share first, as bytes per request.</summary>
    public static int Run(string method, int count)
    {
        var benchmarks = new RequestMiddlewareBenchmarks();
        benchmarks.Setup();
        var run = typeof(RequestMiddlewareBenchmarks).GetMethod(method)?.CreateDelegate<Action>(benchmarks)
            ?? throw new ArgumentException($"No case '{method}' in RequestMiddlewareBenchmarks.", nameof(method));
        using var profile = new AllocationSampler();
        for (int i = 0; i < count; i++)
            run();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        profile.Start();
        for (int i = 0; i < count; i++)
            run();
        var top = profile.Stop();
        double perRequest = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)count;
        benchmarks.Cleanup();
        double sampled = top.Sum(static p => p.Bytes);
        Console.WriteLine($"{method}: {perRequest:0} B/request; by type (sampled, scaled to B/request):");
        foreach (var (type, bytes) in top.Take(25))
            Console.WriteLine($"{bytes / sampled * perRequest,7:0} B  {type}");
        return 0;
    }
}
