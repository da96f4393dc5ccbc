namespace Structured;

/// <summary>
/// The due time of a system timer for a deadline or sleep off the loop. .NET's timers reject due times above
/// uint.MaxValue - 1 ms (about 49.7 days), yet a deadline may be anything up to <see cref="TimeSpan.MaxValue"/>:
/// a longer wait arms for the longest allowed time, and its firing (early, from the deadline's view) re-arms
/// for the rest, as an early firing of the coarse system clock already does.
/// </summary>
internal static class SystemTimerDue
{
    /// <summary>The longest due time a .NET timer takes.</summary>
    internal static readonly TimeSpan Max = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>The due time for a timer that should fire at <paramref name="dueTicks"/> on the system clock.</summary>
    internal static TimeSpan For(long dueTicks)
    {
        long ahead = dueTicks - Time.NowTicksFor(null);
        // Rounded up to whole milliseconds, a .NET timer's unit (it truncates): 0.4 ms ahead would arm for 0 ms and
        // fire at once, again and again until the deadline, a new firing (and, before, a new timer) each time.
        return ahead <= 0 ? TimeSpan.Zero : ahead >= Max.Ticks ? Max
            : TimeSpan.FromTicks((ahead + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond);
    }

    /// <summary>
    /// A disarmed system timer made without the caller's <see cref="ExecutionContext"/>: for a timer that outlives the
    /// wait that made it (kept for later waits, or shared by the process), whose callback only wakes or fires, so it must
    /// not keep the first caller's AsyncLocals alive.
    /// </summary>
    internal static ITimer CreateWithoutFlow(TimerCallback callback, object? state)
    {
        bool suppress = !ExecutionContext.IsFlowSuppressed();
        if (suppress)
            ExecutionContext.SuppressFlow();
        try
        {
            return TimeProvider.System.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        finally
        {
            if (suppress)
                ExecutionContext.RestoreFlow();
        }
    }
}
