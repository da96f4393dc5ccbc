namespace Structured;

/// <summary>
/// The system timer behind a sleep off the loop, one per parker, made on its first sleep and re-armed for every later
/// one (a task that sleeps in a loop allocates nothing per sleep). .NET's timers run on a coarse clock and may fire a
/// little before the monotonic clock reaches the deadline, so an early firing re-arms the same timer for the rest: a
/// sleep never ends early. The timer names the park it times: firing after that sleep was cancelled, it misses.
/// </summary>
/// <remarks>
/// Thread-safety: the parked flow arms, a canceller disarms, the timer's callback fires, each on its own thread; the
/// park's version and due time are read and written together under the object's own monitor (no lock object: a
/// parker made for one sleep makes the timer and nothing else).
/// </remarks>
internal sealed class OffLoopSleepTimer
{
    readonly Parker _parker;
    readonly ITimer _timer;
    long _dueTicks;
    short _version;
    bool _armed;

    OffLoopSleepTimer(Parker parker)
    {
        _parker = parker;
        // Without the caller's ExecutionContext: the timer outlives this sleep, and its callback only wakes the parker
        // (the sleeper resumes in its own context).
        _timer = SystemTimerDue.CreateWithoutFlow(static s => ((OffLoopSleepTimer)s!).Fire(), this);
    }

    /// <summary>Times the current park of <paramref name="parker"/> until <paramref name="dueTicks"/> on the system clock; returns the timer, for <see cref="Disarm"/>.</summary>
    internal static OffLoopSleepTimer Start(Parker parker, long dueTicks)
    {
        var links = parker.Links;
        var sleep = links.KeptTimer as OffLoopSleepTimer;
        if (sleep is null)
            links.KeptTimer = sleep = new OffLoopSleepTimer(parker);
        lock (sleep)
        {
            sleep._version = parker.Version;
            sleep._dueTicks = dueTicks;
            sleep._armed = true;
            sleep.ArmLocked();
        }
        return sleep;
    }

    // Clamped: a sleep months long arms for the longest a system timer allows and re-arms when it fires.
    void ArmLocked() => _timer.Change(SystemTimerDue.For(_dueTicks), Timeout.InfiniteTimeSpan);

    void Fire()
    {
        short version;
        lock (this)
        {
            if (!_armed)
                return;
            if (Time.NowTicksFor(null) < _dueTicks)
            {
                ArmLocked();
                return;
            }
            _armed = false;
            version = _version;
        }
        _parker.TryWake(version);
    }

    /// <summary>Stops timing the sleep (it was woken otherwise): the timer stays with the parker for its next sleep.</summary>
    internal void Disarm()
    {
        lock (this)
        {
            _armed = false;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }
}
