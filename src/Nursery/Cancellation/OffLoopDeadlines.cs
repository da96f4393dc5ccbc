using System.Runtime.ExceptionServices;

namespace Structured;

/// <summary>
/// The deadlines of the cancel scopes off the loop, in one heap behind one system timer armed for the earliest (the
/// loop keeps its scopes' deadlines the same way, on its own heap). A scope with a deadline then allocates no timer of
/// its own: entering and leaving it is an insert and a removal in the heap, through the timer slot the scope already
/// has (docs/performance.md, "The thread-pool path": a system timer per scope was 112 B of the 448 B an off-loop scope
/// cost).
/// </summary>
/// <remarks>
/// Thread-safety: every operation takes the heap's lock; a scope arms and disarms under its own tree's lock, so the
/// order is always scope, then heap. Due scopes are fired after the heap's lock is released (their firing takes their
/// tree's lock). Firing compares with the monotonic clock the deadlines are on, so a system timer that fires early
/// (its clock is coarse) fires nothing and re-arms for the rest: a deadline never fires before it passed.
/// </remarks>
internal static class OffLoopDeadlines
{
    static readonly Lock s_gate = new();
    static readonly TimerHeap s_heap = new();
    static ITimer? s_timer;
    // What the system timer is armed for (TimeSpan ticks of the system clock), long.MaxValue when it is not.
    static long s_armedFor = long.MaxValue;

    /// <summary>Arms (or re-arms) <paramref name="timer"/> to fire at <paramref name="dueTicks"/> on the system clock.</summary>
    internal static void Add(ILoopTimer timer, long dueTicks)
    {
        lock (s_gate)
        {
            s_heap.Add(timer, dueTicks);
            if (dueTicks < s_armedFor)
                ArmLocked(dueTicks);
        }
    }

    /// <summary>Disarms <paramref name="timer"/> if it is armed. The system timer stays armed: when it fires with nothing due, it re-arms for the next.</summary>
    internal static void Remove(ILoopTimer timer)
    {
        lock (s_gate)
            s_heap.Remove(timer);
    }

    static void ArmLocked(long dueTicks)
    {
        s_armedFor = dueTicks;
        // Without the first caller's ExecutionContext: the timer serves every scope of the process.
        s_timer ??= SystemTimerDue.CreateWithoutFlow(static _ => FireDue(), null);
        s_timer.Change(SystemTimerDue.For(dueTicks), Timeout.InfiniteTimeSpan);
    }

    static void FireDue()
    {
        List<ILoopTimer>? due = null;
        lock (s_gate)
        {
            s_armedFor = long.MaxValue;
            long now = Time.NowTicksFor(null);
            while (s_heap.PopDue(now) is { } timer)
                (due ??= []).Add(timer);
            if (s_heap.NextDueTicks is { } next)
                ArmLocked(next);
        }
        if (due is null)
            return;
        // A scope's firing keeps what its token callbacks throw for its exit; anything else must not keep the other
        // due scopes from firing, and then goes where a system timer's error goes.
        ExceptionDispatchInfo? error = null;
        foreach (var timer in due)
        {
            try
            {
                timer.Fire();
            }
            catch (Exception e)
            {
                error ??= ExceptionDispatchInfo.Capture(e);
            }
        }
        error?.Throw();
    }
}
