using System.Diagnostics;

namespace Benchmarks;

/// <summary>
/// Issue 13's floor: what one cancelled, parked task costs at least in .NET. N async methods parked on a
/// <see cref="TaskCompletionSource"/> each, cancelled one by one on one thread with no SynchronizationContext, so each
/// continuation runs inline and its <c>await</c> throws exactly once. Best of several rounds, in this process.
/// </summary>
public static class OneThrowFloor
{
    /// <summary>Runs <paramref name="rounds"/> rounds of <paramref name="n"/> tasks on a fresh thread; returns the best seconds per task and the exceptions per task.</summary>
    public static (double SecondsPerTask, double ThrowsPerTask) Measure(int n = 100_000, int rounds = 5)
    {
        double best = double.MaxValue;
        double throws = 0;
        var thread = new Thread(() =>
        {
            SynchronizationContext.SetSynchronizationContext(null);
            for (int round = 0; round < rounds + 1; round++)
            {
                var sources = new TaskCompletionSource[n];
                var parked = new Task[n];
                for (int i = 0; i < n; i++)
                {
                    sources[i] = new TaskCompletionSource();
                    parked[i] = ParkedAsync(sources[i].Task);
                }
                Repeat.FullCollect();
                long exceptionsBefore = ExceptionCounter.Count;
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < n; i++)
                    sources[i].SetCanceled();
                double seconds = Repeat.Since(start);
                if (round == 0)
                    continue; // warm-up
                throws = (ExceptionCounter.Count - exceptionsBefore) / (double)n;
                best = Math.Min(best, seconds / n);
                GC.KeepAlive(parked);
            }
        }, maxStackSize: 16 * 1024 * 1024);
        thread.Start();
        thread.Join();
        return (best, throws);
    }

    static async Task ParkedAsync(Task parkedOn) => await parkedOn;
}
