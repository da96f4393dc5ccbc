using BenchShared;

namespace Benchmarks;

/// <summary>
/// Allocation by type, sampled (<see cref="AllocationSampler"/>), while a workload runs in this process (<c>--profile W4</c>).
/// </summary>
public static class AllocationProfile
{
    /// <summary>Runs the workload named <paramref name="name"/> (W4, W4-offloop, W5, W6) once for warm-up and once sampled; prints the top types.</summary>
    public static int Run(string name)
    {
        using var profile = new AllocationSampler();
        Func<Task<double>> body = name switch
        {
            "W4" => () => ScopeCost.StructuredAsync(1_000_000, deadline: true),
            "W4-offloop" => () => ScopeCost.StructuredInTaskAsync(1_000_000, deadline: true),
            "W5" => () => Timeouts.StructuredAsync(100_000, 0.5, 0.5),
            "W6" => async () => (await MassCancel.StructuredAsync(100_000, park: true)).Cancel,
            "sleep-offloop" => () => OffLoopTwins.SleepAsync(2_000),
            "scope-in-task-offloop" => () => ScopeCost.StructuredInTaskAsync(200_000, deadline: true),
            "scope-offloop" => () => OffLoopTwins.ScopeWithDeadlineRunAsync(200_000),
            "event-offloop" => () => OffLoopTwins.EventWaitAsync(200_000),
#if WITH_CHANNELS
            "channel-offloop" => () => OffLoopTwins.ChannelWaitAsync(200_000),
#endif
            "W1-lambda" => () => HotPathBytes.SpawnJoinAsyncLambdaAsync(200_000),
            "W1-lambda-offloop" => () => HotPathBytes.SpawnJoinAsyncLambdaAsync(200_000),
            _ => throw new ArgumentException($"--profile: unknown workload {name}; use W4, W4-offloop, W5, W6, W1-lambda(-offloop) or sleep/scope/event/channel-offloop"),
        };
        string host = name.EndsWith("offloop", StringComparison.Ordinal) ? Hosts.OffLoop : Hosts.Loop;
        long total = Hosts.Run(host, async () =>
        {
            await body();
            Repeat.FullCollect();
            long before = GC.GetTotalAllocatedBytes(precise: true);
            profile.Start();
            await body();
            var top = profile.Stop();
            long all = GC.GetTotalAllocatedBytes(precise: true) - before;
            long sampled = top.Sum(t => t.Bytes);
            foreach (var (type, bytes) in top.Take(15))
                Console.WriteLine($"{bytes * 100.0 / sampled,5:0.0} %  {type}");
            return all;
        });
        Console.WriteLine($"allocated in all: {total:N0} B (the shares above are sampled, about one sample per 100 KB)");
        return 0;
    }
}
