using System.Diagnostics;
using Structured;

namespace Benchmarks;

/// <summary>
/// Issue 7's scale checks, on the Loop with the real clock: 1,000,000 tasks sleeping in one nursery (live
/// bytes per parked task, beside 1,000,000 raw <c>Task.Delay</c> waiters on the pool for reference), and
/// 10,000,000 spawns in sequence with the GC heap measured before, during and after (flat memory).
/// </summary>
public static class ScaleRun
{
    const int Sleepers = 1_000_000;
    const int Spawns = 10_000_000;
    const int SpawnBatch = 1_000;
    static readonly TimeSpan s_hour = TimeSpan.FromHours(1);

    /// <summary>Runs both checks; returns one line of text per finding.</summary>
    /// <param name="progress">Where progress lines go.</param>
    /// <param name="results">Where the live heap per parked task goes, as a measurement for issue 13's targets; null for none.</param>
    public static List<string> Run(Action<string> progress, List<Measurement>? results = null)
    {
        var lines = new List<string>();
        progress("scale: 1,000,000 sleepers on the Loop");
        lines.Add(Hosts.OnLoop(SleepersOnLoopAsync));
        results?.Add(new Measurement(CancellationTargets.ParkedWorkload, "sleep", Hosts.Loop, Sleepers, 0, s_liveBytesPerParkedTask, 0, 1));
        progress("scale: 1,000,000 raw Task.Delay waiters on the pool");
        lines.Add(Hosts.OnPool(RawSleepersAsync));
        progress("scale: 10,000,000 spawns in sequence on the Loop");
        lines.Add(Hosts.OnLoop(SpawnsInSequenceAsync));
        foreach (var line in lines)
            progress(line);
        return lines;
    }

    static double s_liveBytesPerParkedTask = double.NaN;

    static long LiveHeap()
    {
        Repeat.FullCollect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    static async Task<string> SleepersOnLoopAsync()
    {
        var ready = new Event();
        int started = 0;
        Func<Task> sleeper = async () =>
        {
            if (++started == Sleepers)
                ready.Set();
            await Time.SleepAsync(s_hour);
        };
        long before = LiveHeap();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        long during = 0, cancel = 0;
        double spawnSeconds = 0;
        await Nursery.RunAsync(async nursery =>
        {
            for (int i = 0; i < Sleepers; i++)
                nursery.StartSoon(sleeper);
            await ready.WaitAsync();
            spawnSeconds = Repeat.Since(start);
            during = LiveHeap();
            cancel = Stopwatch.GetTimestamp();
            nursery.CancelScope.Cancel();
        });
        double cancelSeconds = Repeat.Since(cancel);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        long after = LiveHeap();
        s_liveBytesPerParkedTask = (during - before) / (double)Sleepers;
        return $"1,000,000 tasks sleeping (Time.SleepAsync(1 h)) in one nursery: {(during - before) / (double)Sleepers:N0} bytes of live heap per parked task " +
            $"({(during - before) / 1048576.0:N0} MiB), {allocated / (double)Sleepers:N0} bytes allocated per task in all; spawned and parked in {spawnSeconds:0.00} s, " +
            $"all cancelled and joined in {cancelSeconds:0.00} s; live heap after the nursery {(after - before) / 1048576.0:N0} MiB above before " +
            "(the loop's ready queue and timer heap keep the size they grew to until Loop.Run returns).";
    }

    static async Task<string> RawSleepersAsync()
    {
        using var cts = new CancellationTokenSource();
        var token = cts.Token;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int started = 0;
        Func<Task> sleeper = async () =>
        {
            if (Interlocked.Increment(ref started) == Sleepers)
                ready.SetResult();
            await Task.Delay(s_hour, token);
        };
        long before = LiveHeap();
        var tasks = new Task[Sleepers];
        for (int i = 0; i < Sleepers; i++)
            tasks[i] = Task.Run(sleeper);
        await ready.Task;
        long during = LiveHeap();
        cts.Cancel();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException)
        {
        }
        return $"for reference, 1,000,000 raw Task.Run + Task.Delay(1 h, token) waiters on the pool: {(during - before) / (double)Sleepers:N0} bytes of live heap per task (the Task[] of the join included).";
    }

    static async Task<string> SpawnsInSequenceAsync()
    {
        Func<Task> noop = static () => Task.CompletedTask;
        long before = LiveHeap();
        var heapAt = new List<(int Spawned, long Heap)>();
        long start = Stopwatch.GetTimestamp();
        await Nursery.RunAsync(async nursery =>
        {
            for (int spawned = 0; spawned < Spawns;)
            {
                for (int i = 0; i < SpawnBatch; i++)
                    nursery.StartSoon(noop);
                spawned += SpawnBatch;
                // Let the batch run and finish before the next: at most one batch is alive at a time.
                await Checkpoint.YieldAsync();
                if (spawned % 2_000_000 == 0)
                    heapAt.Add((spawned, LiveHeap()));
            }
        });
        double seconds = Repeat.Since(start);
        long after = LiveHeap();
        return $"10,000,000 spawns in sequence (batches of {SpawnBatch:N0}, one nursery) in {seconds:0.0} s ({seconds / Spawns * 1e9:N0} ns/spawn); live heap before {before / 1024.0:N0} KiB, " +
            $"after {after / 1024.0:N0} KiB ({(after - before) / 1024.0:+#,0;-#,0;0} KiB); during: {string.Join(", ", heapAt.Select(h => $"{h.Spawned / 1_000_000} M: {h.Heap / 1024.0:N0} KiB"))}.";
    }
}
