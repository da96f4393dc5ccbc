using System.Diagnostics;

namespace Benchmarks;

/// <summary>WORKLOADS.md's repetition rule: one untimed warm-up, then timed repetitions with a full GC before each.</summary>
public static class Repeat
{
    /// <summary>
    /// Runs <paramref name="workload"/> <paramref name="warmups"/> + <paramref name="reps"/> times in the current
    /// loop; each call returns the seconds of its own timed region. Bytes are counted around the whole call.
    /// </summary>
    public static Task<Sample[]> RunAsync(Func<Task<double>> workload, int reps, int warmups = 1)
        => RunAsync(async () => (await workload(), 0.0), reps, warmups);

    /// <summary>As above, for a workload that also reports an extra figure (W6: the time to spawn and block).</summary>
    public static async Task<Sample[]> RunAsync(Func<Task<(double Seconds, double Extra)>> workload, int reps, int warmups = 1)
    {
        var samples = new List<Sample>(reps);
        for (int i = 0; i < warmups + reps; i++)
        {
            FullCollect();
            var pauseBefore = GC.GetTotalPauseDuration();
            int collectionsBefore = GC.CollectionCount(0);
            long exceptionsBefore = ExceptionCounter.Count;
            long before = GC.GetTotalAllocatedBytes(precise: true);
            var (seconds, extra) = await workload();
            long after = GC.GetTotalAllocatedBytes(precise: true);
            if (i >= warmups)
                samples.Add(new Sample(seconds, after - before, extra, (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds, GC.CollectionCount(0) - collectionsBefore, ExceptionCounter.Count - exceptionsBefore));
        }
        return [.. samples];
    }

    /// <summary>The full collection WORKLOADS.md asks for between repetitions.</summary>
    public static void FullCollect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Seconds since <paramref name="start"/> (a <see cref="Stopwatch.GetTimestamp"/>).</summary>
    public static double Since(long start) => Stopwatch.GetElapsedTime(start).TotalSeconds;

    /// <summary>The median of <paramref name="values"/>.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
