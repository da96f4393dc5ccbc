using System.Runtime.InteropServices;
using Structured;

namespace Benchmarks;

/// <summary>
/// <c>--loop-cpu</c>: the loop thread's own CPU time per operation of W2 (rendezvous ping-pong) and W1 (spawn + join of
/// <c>static async () => { }</c>), read with <c>CLOCK_THREAD_CPUTIME_ID</c> (Linux). On a machine that other work loads,
/// wall time counts the time the loop thread waited for a core (W2 measured 300-5,000 ns per round trip that way);
/// the thread's CPU time does not, so two builds compared with it, run after each other, differ by a few per cent only
/// from run to run. It is not the target's figure (wall time on a quiet machine, <c>--quick</c>): it compares builds.
/// </summary>
public static class LoopThreadCpu
{
    const int ThreadCpuClock = 3; // CLOCK_THREAD_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    static extern int ClockGetTime(int clock, out TimeSpec time);

    static long ThreadNanoseconds()
    {
        if (ClockGetTime(ThreadCpuClock, out var time) != 0)
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");
        return time.Seconds * 1_000_000_000 + time.Nanoseconds;
    }

    /// <summary>Prints the least and the median CPU time per operation of <paramref name="reps"/> repetitions (after two warm-ups), all in one loop.</summary>
    public static int Run(int reps)
    {
        if (!OperatingSystem.IsLinux())
        {
            Console.Error.WriteLine("--loop-cpu reads CLOCK_THREAD_CPUTIME_ID: Linux only.");
            return 2;
        }
        Console.WriteLine("| workload | n | loop thread CPU per operation, least | median |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
#if WITH_CHANNELS
        Report("W2 ping-pong cap0 (per round trip)", 200_000, reps, n => CpuOf(() => PingPong.StructuredAsync(n, 0), n));
#endif
        Report("W1 spawn+join, async lambda (per child)", 100_000, reps, n => CpuOf(() => HotPathBytes.SpawnJoinAsyncLambdaAsync(n), n));
        return 0;
    }

    static async Task<double> CpuOf(Func<Task<double>> workload, int n)
    {
        long before = ThreadNanoseconds();
        await workload();
        return (ThreadNanoseconds() - before) / (double)n;
    }

    static void Report(string name, int n, int reps, Func<int, Task<double>> measure)
    {
        var samples = Hosts.OnLoop(async () =>
        {
            var list = new List<double>();
            for (int i = 0; i < 2 + reps; i++)
            {
                Repeat.FullCollect();
                double ns = await measure(n);
                if (i >= 2)
                    list.Add(ns);
            }
            return list;
        });
        samples.Sort();
        Console.WriteLine($"| {name} | {n:N0} | {samples[0]:0.0} ns | {Repeat.Median(samples):0.0} ns |");
    }
}
