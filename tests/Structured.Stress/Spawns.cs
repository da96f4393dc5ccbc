namespace Stress;

/// <summary>
/// Millions of spawns (10,000,000 in the long mode) in nurseries of 10,000 children: the heap after a full collection
/// is as large at the end as after the first batch (within 1 MiB), on the loop and off it (a tenth as many).
/// </summary>
internal static class Spawns
{
    const int Batch = 10_000;
    const long Slack = 1024 * 1024;

    internal static void FlatHeap(StressContext context)
    {
        context.Enter("on the loop");
        // FIFO: a seeded schedule picks among 10,000 runnable tasks at a cost that grows with their number (about 1.5 s
        // per batch here, against 10 ms in FIFO order); the seeded schedules are exercised by the other scenarios.
        Harness.OnLoop(context, seed: null, () => SpawnAsync(context, context.Mode.Spawns, "on the loop"));
        context.Enter("off the loop");
        Harness.OffLoop(() => SpawnAsync(context, Math.Max(Batch * 2, context.Mode.Spawns / 10), "off the loop"));
    }

    static async Task SpawnAsync(StressContext context, int spawns, string where)
    {
        long ran = 0;
        Func<Task> child = () =>
        {
            Interlocked.Increment(ref ran);
            return Task.CompletedTask;
        };
        async Task BatchAsync()
        {
            await Nursery.RunAsync(n =>
            {
                for (int i = 0; i < Batch; i++)
                    n.StartSoon(child);
                return Task.CompletedTask;
            });
        }
        // Warm up: the first batch grows the loop's queues and the runtime's caches to their working size.
        await BatchAsync();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        int batches = Math.Max(1, spawns / Batch) - 1;
        for (int b = 0; b < batches; b++)
        {
            context.Enter($"{where}: batch {b} of {batches}");
            await BatchAsync();
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);
        long expected = (batches + 1L) * Batch;
        context.Figures.AddItems(Interlocked.Read(ref ran));
        context.Figures.SetBytes(after - before);
        if (Interlocked.Read(ref ran) != expected)
            context.Figures.Fail($"{where}: {expected} children started, {Interlocked.Read(ref ran)} ran");
        if (after - before > Slack)
            context.Figures.Fail($"{where}: the heap grew by {after - before} bytes over {expected} spawns (before {before}, after {after}): a leak");
    }
}
