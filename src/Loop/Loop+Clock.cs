namespace Structured;

// The loop's time: read from its clock (integer arithmetic, ClockTimestamps), cached within a step for the system
// clock only (decision 0006), read at every use for any other clock.
public sealed partial class Loop
{
    /// <summary>
    /// The loop time in TimeSpan ticks, as the library reads it for deadlines and sleeps. Reading the system clock
    /// costs 100 ns and more on some machines (a system call under a sandbox), so on the loop thread its value
    /// is cached for the rest of the current step and at most <see cref="CachedClockReads"/> reads, as libuv
    /// caches its loop time per iteration (decision 0006). Virtual clocks and any other provider are read every
    /// time: code in the step may move them.
    /// </summary>
    internal long NowTicks
    {
        get
        {
            if (_virtualClock is { } clock)
                return clock.NowTicks;
            if (_cachedClockReadsLeft > 0 && Environment.CurrentManagedThreadId == _threadId)
            {
                _cachedClockReadsLeft--;
                return _cachedNowTicks;
            }
            return FreshNowTicks;
        }
    }

    /// <summary>The loop time read from the clock now (and cached for the rest of the step on the loop thread).</summary>
    internal long FreshNowTicks
    {
        get
        {
            if (_virtualClock is { } clock)
                return clock.NowTicks;
            long now = _timestamps.ToTicks(Clock.GetTimestamp());
            if (_cachesClock && Environment.CurrentManagedThreadId == _threadId)
            {
                _cachedNowTicks = now;
                _cachedClockReadsLeft = CachedClockReads;
            }
            return now;
        }
    }

    /// <summary>
    /// The loop time when the loop was created: a deadline earlier than half of it cannot have come from this loop's
    /// clock (see CancelScope's check of absolute deadlines).
    /// </summary>
    internal long OriginTicks { get; }

    /// <summary>How many reads of <see cref="NowTicks"/> one real clock reading serves, within one step.</summary>
    internal const int CachedClockReads = 1024;

    long _cachedNowTicks;
    int _cachedClockReadsLeft;
    readonly bool _cachesClock;
    readonly ClockTimestamps _timestamps;
}
