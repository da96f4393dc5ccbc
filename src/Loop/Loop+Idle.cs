using System.Diagnostics;

namespace Structured;

// What the loop does when nothing is ready: wake idle waiters, jump a virtual clock, or wait (in real time)
// for the next timer, a post from another thread or a wake-up; and how it takes in what other threads posted.
public sealed partial class Loop
{
    /// <summary>The longest single wait of an idle loop: Monitor.Wait takes an int of milliseconds. A longer wait re-waits.</summary>
    internal static readonly TimeSpan MaxIdleWait = TimeSpan.FromMilliseconds(int.MaxValue - 1);

    void Idle()
    {
        _drainAfterIdle = true; // whatever this wait finds in the inbox is drained next, its post's flag written or not
        _ready.TrimWhenIdle(); // empty here: a burst's buffer goes back while nothing runs
        ForgetChildContext();
        long now = FreshNowTicks;
        long? next = _timers.NextDueTicks;
        if (_virtualClock?.NextTimerDueTicks is long clockDue && (next is null || clockDue < next))
            next = clockDue;
        var untilTimer = RealTimeUntil(next, now);
        if (_wakesByClockTimer && next is long dueOnClock && untilTimer != TimeSpan.Zero)
        {
            ArmClockWake(dueOnClock - now);
            // Another thread may have moved the clock past the due time between the reading above and the arming: the
            // timer, armed from the later time, would come too late. Look again; the next turn fires what is due.
            if (FreshNowTicks >= dueOnClock)
                return;
        }

        if (_idleWaiters.Count > 0)
        {
            // Trio's rule: idle waiters beat autojump. The smallest cushion wakes its waiters once that much real
            // time passed with nothing to do, unless a timer fires by itself sooner (a real clock, a running
            // virtual clock); an autojump clock does not move while anybody waits here.
            var cushion = SmallestCushion();
            if (cushion < untilTimer)
            {
                WakeIdleWaiters(cushion);
                return;
            }
        }
        else if (_virtualClock is { AutojumpEnabled: true } clock && next is long due)
        {
            var threshold = clock.AutojumpThreshold;
            if (threshold < untilTimer)
            {
                if (threshold > TimeSpan.Zero && WaitForWork(threshold))
                    return;
                clock.AdvanceTo(due);
                return;
            }
        }

        if (next is null && _idleWaiters.Count == 0 && _virtualClock is not null && _deadlockFactory is not null
            && Volatile.Read(ref _pendingExternal) == 0 && _inbox.IsEmpty)
            throw _deadlockFactory(this);

        // Instruments see Timeout.InfiniteTimeSpan for a wait without end, as before.
        var timeout = untilTimer == TimeSpan.MaxValue ? Timeout.InfiniteTimeSpan : untilTimer;
        foreach (var instrument in _instruments)
            instrument.BeforeIdle(timeout);
        WaitForWork(timeout);
        foreach (var instrument in _instruments)
            instrument.AfterIdle(timeout);
    }

    /// <summary>
    /// The real time until a timer due at <paramref name="dueTicks"/> (loop time) fires without help:
    /// <see cref="TimeSpan.MaxValue"/> (never) for none, or for a virtual clock that only moves when told.
    /// </summary>
    TimeSpan RealTimeUntil(long? dueTicks, long nowTicks)
    {
        if (dueTicks is not long due)
            return TimeSpan.MaxValue;
        long ahead = Math.Max(0, due - nowTicks);
        if (ahead == 0)
            return TimeSpan.Zero;
        // Another TimeProvider's time need not pass with real time (a FakeTimeProvider moves when told): the loop
        // cannot compute the real wait, and waits for the provider's timer instead (ArmClockWake).
        if (_wakesByClockTimer)
            return TimeSpan.MaxValue;
        if (_virtualClock is not { } clock)
            return TimeSpan.FromTicks(ahead);
        double rate = clock.Rate;
        if (rate <= 0)
            return TimeSpan.MaxValue;
        double real = Math.Ceiling(ahead / rate);
        return real >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)real);
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> of real time for a post or a wake-up; true when one came. Any
    /// length up to <see cref="TimeSpan.MaxValue"/> is fine: a wait beyond <see cref="MaxIdleWait"/> ends early
    /// and the loop simply waits again on its next turn.
    /// </summary>
    bool WaitForWork(TimeSpan timeout)
    {
        int milliseconds;
        if (timeout == Timeout.InfiniteTimeSpan || timeout == TimeSpan.MaxValue)
            milliseconds = Timeout.Infinite;
        else if (timeout <= TimeSpan.Zero)
            return !_inbox.IsEmpty;
        else
            milliseconds = timeout >= MaxIdleWait ? (int)MaxIdleWait.TotalMilliseconds : (int)Math.Ceiling(timeout.TotalMilliseconds);
        lock (_idleGate)
        {
            Interlocked.Exchange(ref _sleeping, 1);
            bool woken = _wakeRequested || !_inbox.IsEmpty || Monitor.Wait(_idleGate, milliseconds);
            woken |= _wakeRequested;
            _wakeRequested = false;
            Volatile.Write(ref _sleeping, 0);
            return woken || !_inbox.IsEmpty;
        }
    }

    // The timer of a clock that is neither TimeProvider.System nor a VirtualClock, that wakes the idle loop when the
    // loop's next timer is due on that clock's time. Loop thread only, but for its callback (WakeFromOtherThread).
    readonly bool _wakesByClockTimer;
    ITimer? _clockWake;

    /// <summary>
    /// Arms the clock's own timer to wake the loop <paramref name="aheadTicks"/> of the clock's time from now. A wake
    /// that comes early (a stale arming, a clamped due time) only makes the loop look at its timers and wait again.
    /// </summary>
    void ArmClockWake(long aheadTicks)
    {
        // Clamped to what any timer takes (a System.Threading.Timer refuses more than about 49 days); a longer wait
        // wakes once at the clamp and arms again.
        var due = aheadTicks >= MaxIdleWait.Ticks ? MaxIdleWait : TimeSpan.FromTicks(Math.Max(1, aheadTicks));
        if (_clockWake is null)
            _clockWake = Clock.CreateTimer(static s => ((Loop)s!).WakeFromOtherThread(), this, due, Timeout.InfiniteTimeSpan);
        else
            _clockWake.Change(due, Timeout.InfiniteTimeSpan);
    }

    void DisposeClockWake()
    {
        _clockWake?.Dispose();
        _clockWake = null;
    }

    /// <summary>Whether the loop thread is inside its idle wait now (for tests that must act only once it waits).</summary>
    internal bool IsWaitingForWork => Volatile.Read(ref _sleeping) == 1;

    /// <summary>Wakes the loop if it waits for work: after a post from another thread, a clock change, main finishing.</summary>
    internal void WakeFromOtherThread()
    {
        lock (_idleGate)
        {
            _wakeRequested = true;
            Monitor.Pulse(_idleGate);
        }
    }

    /// <summary>Parks <paramref name="parker"/> until every task is blocked and <paramref name="cushion"/> of real time passed (Trio's <c>wait_all_tasks_blocked</c>).</summary>
    internal void AddIdleWaiter(Parker parker, TimeSpan cushion)
    {
        Debug.Assert(IsOnLoopThread);
        _idleWaiters.Add((parker, cushion));
    }

    internal void RemoveIdleWaiter(Parker parker)
        => _idleWaiters.RemoveAll(w => ReferenceEquals(w.Parker, parker));

    TimeSpan SmallestCushion()
    {
        var smallest = TimeSpan.MaxValue;
        foreach (var (_, cushion) in _idleWaiters)
        {
            if (cushion < smallest)
                smallest = cushion;
        }
        return smallest;
    }

    void WakeIdleWaiters(TimeSpan cushion)
    {
        if (cushion > TimeSpan.Zero && WaitForWork(cushion))
            return;
        var waking = _idleWaiters.Where(w => w.Cushion == cushion).ToList();
        _idleWaiters.RemoveAll(w => w.Cushion == cushion);
        foreach (var (parker, _) in waking)
            parker.TryWake();
    }

    // Set by a post from another thread once its item is in the inbox; and after an idle wait, whose own look at the
    // inbox may have seen an item whose flag is not written yet. Between two batches of a busy loop (W2 runs a batch
    // of one step per hand-off) the inbox is then looked at through one field, not a ConcurrentQueue probe.
    int _inboxPosted;
    bool _drainAfterIdle;

    void DrainInbox()
    {
        if (Volatile.Read(ref _inboxPosted) == 0 && !_drainAfterIdle)
            return;
        _drainAfterIdle = false;
        // Cleared before draining: a post whose flag this clears has its item in the queue already, and a later post
        // sets it again.
        Interlocked.Exchange(ref _inboxPosted, 0);
        while (_inbox.TryDequeue(out var item))
            EnqueueLocal(item);
    }

    /// <summary>Counts work on other threads that will post back (a ToThread call): the loop is not deadlocked while it runs.</summary>
    internal void BeginExternalWork() => Interlocked.Increment(ref _pendingExternal);

    internal void EndExternalWork()
    {
        Interlocked.Decrement(ref _pendingExternal);
        WakeFromOtherThread();
    }
}
