namespace Structured;

/// <summary>
/// The loops running in this process, for the observable instruments of <see cref="StructuredMetrics"/> (read from
/// the listener's thread, as <see cref="Loop.Statistics"/> allows: a best-effort snapshot). A loop is added when
/// <c>Loop.Run</c> starts and removed when it returns, whether anybody listens or not: a listener that attaches later
/// (dotnet-counters to a running service) sees the loops that were already running.
/// </summary>
internal static class LoopRegistry
{
    static readonly Lock s_gate = new();
    static readonly List<Loop> s_loops = [];

    // What loops that have returned had counted: an observable counter must never go down.
    static long s_finishedSteps;

    internal static void Add(Loop loop)
    {
        lock (s_gate)
            s_loops.Add(loop);
    }

    internal static void Remove(Loop loop, long stepsRun)
    {
        lock (s_gate)
        {
            s_loops.Remove(loop);
            s_finishedSteps += stepsRun;
        }
    }

    /// <summary>The steps (callbacks) run by every loop of the process so far.</summary>
    internal static long TotalSteps()
    {
        lock (s_gate)
        {
            long total = s_finishedSteps;
            foreach (var loop in s_loops)
                total += loop.Statistics.CallbacksRun;
            return total;
        }
    }

    internal static int Count
    {
        get
        {
            lock (s_gate)
                return s_loops.Count;
        }
    }

    /// <summary>The sum of <paramref name="read"/> over the running loops.</summary>
    internal static long Sum(Func<Loop, long> read)
    {
        lock (s_gate)
        {
            long total = 0;
            foreach (var loop in s_loops)
                total += read(loop);
            return total;
        }
    }
}
