namespace Structured;

/// <summary>A timer created through <see cref="VirtualClock.CreateTimer"/>: fires when the clock's time reaches it.</summary>
/// <remarks>
/// <para>Meets the <see cref="ITimer"/> contract as the BCL's timers and dotnet/extensions' <c>FakeTimeProvider</c>
/// state it: a due time of zero fires at once, inside <see cref="Change"/> (not when the clock next moves), and
/// due times and periods above <c>uint.MaxValue - 1</c> milliseconds are rejected.</para>
/// <para>A periodic timer is armed for its next period once its callback has returned (on a loop, once the loop ran
/// it): one period after the due time it fired at, or, when the clock was moved while the callback ran, one period
/// after the time then (FakeTimeProvider's rule), so a callback that advances the clock cannot make its own timer due
/// again and again. <see cref="Change"/> or <see cref="Dispose"/> called meanwhile (in the callback, say) win: the
/// firing does not re-arm a timer that was changed or disposed since it began.</para>
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
    // Counts Change and Dispose: a firing re-arms the timer only if nothing changed it since the firing began.
    int _version;
    // The due time of the firing under way (the heap slot may be re-armed by a Change meanwhile).
    long _firedDueTicks;
    bool _disposed;
    // RunCallback's mark for a firing of a one-shot timer: there is no next period to arm (the clock's count of advances is never negative).
    const long NotPeriodic = -1;

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        Validate(dueTime, nameof(dueTime), "due time");
        Validate(period, nameof(period), "period");
        int version;
        lock (_gate)
        {
            if (_disposed)
                return false;
            _periodTicks = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
            version = ++_version;
        }
        clock.Disarm(this);
        if (dueTime == TimeSpan.Zero)
        {
            // Due now: fire at once, on this thread, as a system timer would as soon as it can (and FakeTimeProvider
            // does); inside a callback of the clock, the firing under way runs it next instead (never nested).
            lock (_gate)
                _firedDueTicks = clock.NowTicks;
            clock.FireNow(this, version);
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
    /// The timer is due and left the heap: says whether to run the callback (false once disposed), and which
    /// version of the timer fires (for <see cref="RunCallback"/>).
    /// </summary>
    internal bool BeginFire(out int version)
    {
        lock (_gate)
        {
            version = _version;
            _firedDueTicks = _slot.DueTicks;
            return !_disposed;
        }
    }

    /// <summary>Runs the callback of the firing <paramref name="version"/>, then arms a periodic timer for its next period.</summary>
    internal void RunCallback(int version)
    {
        // Only a periodic timer re-arms, and only it asks whether its callback moved the clock: a one-shot timer (a
        // sleep, a deadline) reads nothing of the clock's, under its lock, for it. The period was last written before
        // this firing began (by the Change that armed it, under the gate its BeginFire took since); a Change that
        // makes the timer periodic in the callback re-arms it itself, and a changed version stops this re-arming.
        long advancesBefore = Volatile.Read(ref _periodTicks) == 0 ? NotPeriodic : clock.Advances;
        try
        {
            callback(state);
        }
        finally
        {
            ArmNextPeriod(version, advancesBefore);
        }
    }

    void ArmNextPeriod(int version, long advancesBefore)
    {
        if (advancesBefore == NotPeriodic)
            return;
        long period, due;
        lock (_gate)
        {
            if (_disposed || _version != version || _periodTicks == 0)
                return;
            period = _periodTicks;
            due = _firedDueTicks;
        }
        long now = clock.NowTicks;
        // The clock moved while the callback ran: the next period counts from the time it was left at, as
        // FakeTimeProvider's does. Else from the due time, so that a late firing catches up (one call per period).
        long from = clock.Advances != advancesBefore ? Math.Max(now, due) : due;
        long next = period > long.MaxValue - from ? long.MaxValue : from + period;
        clock.Arm(this, next);
        if (next <= now)
            clock.FireDue(); // already due (a late firing catching up): fired now, or by the firing under way
    }

    void ILoopTimer.Fire()
    {
        if (BeginFire(out int version))
            RunCallback(version);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _version++;
        }
        clock.Disarm(this);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
