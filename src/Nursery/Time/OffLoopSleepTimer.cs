namespace Structured;

/// <summary>
/// The system timer behind a sleep off the loop. .NET's timers run on a coarse clock and may fire a little
/// before the monotonic clock reaches the deadline, so an early firing re-arms for the rest: a sleep never
/// ends early. The timer names the park it belongs to: firing after the sleep was cancelled, it misses.
/// </summary>
internal sealed class OffLoopSleepTimer : IDisposable
{
    readonly Parker _parker;
    readonly short _version;
    readonly long _dueTicks;
    readonly Lock _gate = new();
    ITimer? _timer;
    bool _disposed;

    OffLoopSleepTimer(Parker parker, long dueTicks)
    {
        _parker = parker;
        _version = parker.Version;
        _dueTicks = dueTicks;
    }

    internal static OffLoopSleepTimer Start(Parker parker, long dueTicks)
    {
        var sleep = new OffLoopSleepTimer(parker, dueTicks);
        sleep.Arm();
        return sleep;
    }

    void Arm()
    {
        // Clamped: a sleep months long arms for the longest a system timer allows and re-arms when it fires.
        var due = SystemTimerDue.For(_dueTicks);
        lock (_gate)
        {
            if (_disposed)
                return;
            _timer?.Dispose();
            _timer = TimeProvider.System.CreateTimer(static s => ((OffLoopSleepTimer)s!).Fire(), this, due, Timeout.InfiniteTimeSpan);
        }
    }

    void Fire()
    {
        if (Time.NowTicksFor(null) < _dueTicks)
            Arm();
        else
            _parker.TryWake(_version);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
        }
    }
}
