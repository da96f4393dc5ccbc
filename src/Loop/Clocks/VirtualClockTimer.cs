namespace Structured;

/// <summary>A timer created through <see cref="VirtualClock.CreateTimer"/>: fires when the clock's time reaches it.</summary>
internal sealed class VirtualClockTimer(VirtualClock clock, TimerCallback callback, object? state) : ILoopTimer, ITimer
{
    TimerSlot _slot;

    ref TimerSlot ILoopTimer.Slot => ref _slot;

    internal long DueTicks => _slot.DueTicks;

    readonly Lock _gate = new();
    long _periodTicks;
    bool _disposed;

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "A timer's due time must be zero or more, or Timeout.InfiniteTimeSpan.");
        if (period < TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(period), period, "A timer's period must be zero or more, or Timeout.InfiniteTimeSpan.");
        lock (_gate)
        {
            if (_disposed)
                return false;
            _periodTicks = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
        }
        clock.Disarm(this);
        if (dueTime != Timeout.InfiniteTimeSpan)
            clock.Arm(this, clock.NowTicks + dueTime.Ticks);
        return true;
    }

    void ILoopTimer.Fire()
    {
        long period;
        lock (_gate)
        {
            if (_disposed)
                return;
            period = _periodTicks;
        }
        if (period > 0)
            clock.Arm(this, DueTicks + period);
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
