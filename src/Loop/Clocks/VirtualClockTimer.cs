namespace Structured;

/// <summary>A timer created through <see cref="VirtualClock.CreateTimer"/>: fires when the clock's time reaches it.</summary>
/// <remarks>
/// Meets the <see cref="ITimer"/> contract as the BCL's timers and dotnet/extensions' <c>FakeTimeProvider</c>
/// state it: a due time of zero fires at once, inside <see cref="Change"/> (not when the clock next moves), and
/// due times and periods above <c>uint.MaxValue - 1</c> milliseconds are rejected.
/// </remarks>
internal sealed class VirtualClockTimer(VirtualClock clock, TimerCallback callback, object? state) : ILoopTimer, ITimer
{
    /// <summary>The longest due time or period a .NET timer takes (Timer.MaxSupportedTimeout).</summary>
    internal static readonly TimeSpan MaxSupported = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    TimerSlot _slot;

    ref TimerSlot ILoopTimer.Slot => ref _slot;

    internal long DueTicks => _slot.DueTicks;

    readonly Lock _gate = new();
    long _periodTicks;
    bool _disposed;

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        Validate(dueTime, nameof(dueTime), "due time");
        Validate(period, nameof(period), "period");
        lock (_gate)
        {
            if (_disposed)
                return false;
            _periodTicks = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
        }
        clock.Disarm(this);
        if (dueTime == TimeSpan.Zero)
        {
            // Due now: fire at once, on this thread, as a system timer would as soon as it can (and FakeTimeProvider does).
            long periodTicks = Volatile.Read(ref _periodTicks);
            if (periodTicks > 0)
                clock.Arm(this, clock.NowTicks + periodTicks);
            callback(state);
        }
        else if (dueTime != Timeout.InfiniteTimeSpan)
        {
            clock.Arm(this, clock.NowTicks + dueTime.Ticks);
        }
        return true;
    }

    static void Validate(TimeSpan value, string name, string what)
    {
        if (value == Timeout.InfiniteTimeSpan)
            return;
        if (value < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(name, value, $"A timer's {what} must be zero or more, or Timeout.InfiniteTimeSpan.");
        if (value > MaxSupported)
            throw new ArgumentOutOfRangeException(name, value, $"A timer's {what} must be at most {MaxSupported} (uint.MaxValue - 1 ms, as for System.Threading.Timer), or Timeout.InfiniteTimeSpan for none.");
    }

    /// <summary>
    /// The timer is due and left the heap: re-arms a periodic timer for its next period and says whether to run the
    /// callback (false once disposed).
    /// </summary>
    internal bool PrepareFire()
    {
        long period;
        lock (_gate)
        {
            if (_disposed)
                return false;
            period = _periodTicks;
        }
        if (period > 0)
            clock.Arm(this, DueTicks + period);
        return true;
    }

    internal TimerCallback Callback => callback;

    internal object? State => state;

    void ILoopTimer.Fire()
    {
        if (PrepareFire())
            callback(state);
    }

    public void Dispose()
    {
        lock (_gate)
            _disposed = true;
        clock.Disarm(this);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
