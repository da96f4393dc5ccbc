namespace Stress;

/// <summary>Runs scenario bodies on a seeded loop with a virtual autojump clock, or on the thread pool.</summary>
internal static class Harness
{
    /// <summary>Loop.Run on the calling thread, seeded, on a virtual clock that jumps as soon as every task is blocked.</summary>
    /// <remarks><paramref name="seed"/> null: the FIFO schedule.</remarks>
    internal static void OnLoop(StressContext context, int? seed, Func<Task> main)
    {
        Loop.Run(async () =>
        {
            var loop = Loop.Current!;
            context.Describe(loop.DumpTaskTree);
            try
            {
                await main();
            }
            finally
            {
                context.Describe(null);
            }
        }, new LoopOptions { Seed = seed, Clock = new VirtualClock { AutojumpThreshold = TimeSpan.Zero } });
    }

    /// <summary>Runs <paramref name="body"/> on the thread pool and blocks until it ends (the scenario's watchdog bounds it).</summary>
    internal static void OffLoop(Func<Task> body) => Task.Run(body).GetAwaiter().GetResult();

    /// <summary>The live children of an off-loop nursery, for the watchdog.</summary>
    internal static string DescribeChildren(Nursery? nursery)
    {
        if (nursery is null)
            return "(no nursery open)";
        var lines = nursery.Children.Select(t => $"  {t} waiting on {t.WaitingOn ?? "-"}").Take(50);
        return $"nursery with {nursery.Children.Count} live children:\n{string.Join('\n', lines)}";
    }
}
