using System.Runtime.ExceptionServices;

namespace Structured;

/// <summary>
/// A <see cref="TimeProvider"/> whose time moves only when told (Trio's <c>trio.testing.MockClock</c>):
/// by <see cref="Advance"/>, by <see cref="Rate"/>, or by the loop jumping to the next timer once every
/// task has been blocked for <see cref="AutojumpThreshold"/>.
/// </summary>
/// <remarks>
/// <para>Because it is a <see cref="TimeProvider"/>, <c>Task.Delay(t, clock)</c>, <c>PeriodicTimer</c> and
/// <c>new CancellationTokenSource(t, clock)</c> run on its time; their timers count for autojump like the
/// loop's own sleeps. While a loop runs on the clock, their callbacks run on that loop as loop work (ready-queue
/// items, seen by instruments and traces), whoever moves the time; an exception a callback throws does not end the
/// loop: every other due timer still fires and <see cref="Loop.Run(Func{Task}, LoopOptions?)"/> throws it at the end.
/// With no loop on the clock, the callbacks run on the thread that moves the time: inside <see cref="Advance"/>,
/// which throws their exceptions once every due timer fired, or, with a <see cref="Rate"/>, on a thread-pool
/// thread of the clock's own system timer, where an exception is rethrown once every other due timer fired, as
/// a <c>System.Threading.Timer</c> callback's would (it is never swallowed).</para>
/// <para>One firing at a time: a callback may advance the clock, or change and create timers, and another thread may
/// advance it meanwhile; such an <see cref="Advance"/> moves the time and returns, and the firing under way fires what
/// became due (never nested, so no depth of re-entry can overflow the stack). A periodic timer's next period counts
/// from the due time it fired at, or from the time its callback left the clock at when the callback moved it.</para>
/// <para>With a <see cref="Rate"/> above zero the time passes by itself, and the timers fire by themselves as it
/// does, on and off a loop; an idle loop sleeps until the next one is due.</para>
/// <para>Thread-safe: any thread may read or advance it.</para>
/// </remarks>
/// <example>
/// <code>
/// var clock = new VirtualClock { AutojumpThreshold = TimeSpan.Zero };
/// Loop.Run(async () => await Time.SleepAsync(TimeSpan.FromHours(1)), new LoopOptions { Clock = clock });
/// // returns at once; an hour passed on the clock
/// </code>
/// </example>
public sealed class VirtualClock : TimeProvider
{
    static readonly DateTimeOffset s_epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    readonly Lock _gate = new();
    readonly TimerHeap _timers = new();
    readonly List<Loop> _loops = [];
    long _baseTicks;
    long _baseRealTimestamp;
    double _rate;
    TimeSpan _autojumpThreshold = Timeout.InfiniteTimeSpan;
    // Whether a thread is firing due timers now (FireUntilDone), and the time it fires up to: other advances raise it.
    bool _firing;
    long _firingTarget;
    long _advances;

    /// <summary>
    /// How long every task must have been blocked, in real time, before a loop on this clock jumps the
    /// time to the next timer. <see cref="TimeSpan.Zero"/> jumps at once.
    /// </summary>
    /// <value>The default is <see cref="Timeout.InfiniteTimeSpan"/>: the clock never jumps by itself.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative and not <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    public TimeSpan AutojumpThreshold
    {
        get => _autojumpThreshold;
        set
        {
            if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
                throw new ArgumentOutOfRangeException(nameof(value), value, "VirtualClock.AutojumpThreshold must be zero or more, or Timeout.InfiniteTimeSpan to never jump.");
            _autojumpThreshold = value;
            WakeLoops();
        }
    }

    /// <summary>How many virtual seconds pass per real second on their own.</summary>
    /// <value>The default is 0: time moves only through <see cref="Advance"/> and autojump.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, infinite or NaN.</exception>
    public double Rate
    {
        get => _rate;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, "VirtualClock.Rate must be a finite number of zero or more.");
            lock (_gate)
            {
                Volatile.Write(ref _baseTicks, NowTicksLocked());
                _baseRealTimestamp = TimeProvider.System.GetTimestamp();
                Volatile.Write(ref _rate, value);
                RearmRealTimerLocked();
            }
            WakeLoops();
        }
    }

    /// <summary>The time on this clock, counted from its creation.</summary>
    public TimeSpan Now => new(NowTicks);

    /// <summary>Moves the time forward by <paramref name="duration"/>, firing the clock's timers that become due.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative: time never goes back.</exception>
    /// <remarks>
    /// The timers fire in order of due time, each with the clock at its due time, inside this call when no loop runs on
    /// the clock (as loop work when one does). Safe to call from a timer's callback and from any thread: when a firing
    /// is already under way (this is a callback of the clock, or another thread is advancing it), the time moves at
    /// once and the call returns; the firing under way fires what became due, in order, without nesting. A periodic
    /// timer's next due time is one period after the one it fired at, or, when its callback moved the clock, one
    /// period after the time the callback left it at (as FakeTimeProvider does), so a callback that advances the clock
    /// by its own period does not fire forever.
    /// </remarks>
    public void Advance(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        long target;
        lock (_gate)
        {
            long now = NowTicksLocked();
            target = duration.Ticks > long.MaxValue - now ? long.MaxValue : now + duration.Ticks;
        }
        AdvanceTo(target);
    }

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override long GetTimestamp() => NowTicks;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => s_epoch + Now;

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new VirtualClockTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    internal long NowTicks
    {
        get
        {
            // Without a rate the time is one field, written under the lock: no lock needed to read it.
            if (Volatile.Read(ref _rate) == 0)
                return Volatile.Read(ref _baseTicks);
            lock (_gate)
                return NowTicksLocked();
        }
    }

    /// <summary>When the clock's earliest timer is due, or null when it has none.</summary>
    internal long? NextTimerDueTicks
    {
        get
        {
            lock (_gate)
                return _timers.NextDueTicks;
        }
    }

    internal int TimersPending
    {
        get
        {
            lock (_gate)
                return _timers.Count;
        }
    }

    internal bool AutojumpEnabled => _autojumpThreshold != Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Moves the time to <paramref name="targetTicks"/> (never back), firing due timers in order: as loop work when a
    /// loop runs on the clock, else on this thread (their exceptions thrown together once all fired).
    /// </summary>
    /// <remarks>
    /// Never recursive. While a firing is under way (a callback of one of the clock's timers runs, on this thread or
    /// another), a further advance moves the time at once and returns: the firing under way goes on with what became
    /// due, in order, so a callback that advances its own clock (dotnet/extensions'
    /// <c>Advance_TimeInCallback_PreventsInfiniteLoop</c>) cannot nest the firing into itself, however deep.
    /// </remarks>
    internal void AdvanceTo(long targetTicks)
    {
        bool underWay;
        lock (_gate)
        {
            _advances++;
            underWay = _firing;
            if (underWay)
            {
                MoveLocked(targetTicks);
                if (targetTicks > _firingTarget)
                    _firingTarget = targetTicks;
            }
            else
            {
                _firing = true;
                _firingTarget = targetTicks;
            }
        }
        if (underWay)
        {
            WakeLoops(); // the loops' own sleeps may be due at the new time
            return;
        }
        FireUntilDone(first: null, running: false, wakeLoops: true);
    }

    /// <summary>Fires the timers that are due at the clock's current time (a running clock: time passed by itself).</summary>
    internal void FireDue()
    {
        lock (_gate)
        {
            if (_firing)
                return; // the firing under way looks at the time again before it ends
            _firing = true;
            _firingTarget = long.MinValue;
        }
        FireUntilDone(first: null, running: true, wakeLoops: false);
    }

    /// <summary>
    /// A timer changed to a due time of zero fires at once, on this thread, inside <see cref="VirtualClockTimer.Change"/>
    /// (as FakeTimeProvider's do); when a firing is under way it is only armed for now, and that firing runs it next.
    /// </summary>
    internal void FireNow(VirtualClockTimer timer, int version)
    {
        lock (_gate)
        {
            if (_firing)
            {
                _timers.Add(timer, NowTicksLocked());
                return;
            }
            _firing = true;
            _firingTarget = NowTicksLocked();
        }
        FireUntilDone((timer, version), running: false, wakeLoops: false);
    }

    /// <summary>
    /// The one loop that fires timers, run by whoever set <see cref="_firing"/>: pops each due timer in order (the time
    /// moved to its due time), until none is due at the target, which other advances may raise meanwhile. Callbacks
    /// queued on a loop wake it by themselves; <paramref name="wakeLoops"/> wakes them for their own sleeps, after
    /// the time moved (not after a running clock's check, which would keep an idle loop from ever sleeping).
    /// </summary>
    void FireUntilDone((VirtualClockTimer Timer, int Version)? first, bool running, bool wakeLoops)
    {
        List<Exception>? errors = null;
        bool done = false;
        try
        {
            if (first is var (timer, version))
                Run(timer, version, ref errors);
            while (true)
            {
                VirtualClockTimer? due;
                Loop? loop;
                lock (_gate)
                {
                    long limit = running ? Math.Max(_firingTarget, NowTicksLocked()) : _firingTarget;
                    due = (VirtualClockTimer?)_timers.PopDue(limit);
                    if (due is null)
                    {
                        MoveLocked(_firingTarget);
                        _firing = false;
                        done = true;
                        RearmRealTimerLocked();
                        break;
                    }
                    MoveLocked(due.DueTicks);
                    loop = _loops.Count > 0 ? _loops[0] : null;
                }
                Dispatch(due, loop, ref errors);
            }
        }
        finally
        {
            if (!done)
            {
                lock (_gate)
                    _firing = false;
            }
        }
        if (wakeLoops)
            WakeLoops();
        ThrowIfAny(errors);
    }

    /// <summary>Moves the time forward to <paramref name="ticks"/>; never back. Caller holds the gate.</summary>
    void MoveLocked(long ticks)
    {
        if (ticks > NowTicksLocked())
        {
            Volatile.Write(ref _baseTicks, ticks);
            _baseRealTimestamp = TimeProvider.System.GetTimestamp();
        }
    }

    /// <summary>How many times the clock was moved (not counting the passing of time at a <see cref="Rate"/>): a periodic timer whose callback saw it move counts its next period from then.</summary>
    internal long Advances
    {
        get
        {
            lock (_gate)
                return _advances;
        }
    }

    static void Dispatch(VirtualClockTimer timer, Loop? loop, ref List<Exception>? errors)
    {
        if (!timer.BeginFire(out int version))
            return;
        if (loop is not null)
        {
            loop.EnqueueClockCallback(() => timer.RunCallback(version));
            return;
        }
        Run(timer, version, ref errors);
    }

    static void Run(VirtualClockTimer timer, int version, ref List<Exception>? errors)
    {
        try
        {
            timer.RunCallback(version);
        }
        catch (Exception e)
        {
            // The other due timers still fire; the error is thrown once they have.
            (errors ??= []).Add(e);
        }
    }

    static void ThrowIfAny(List<Exception>? errors)
    {
        if (errors is null)
            return;
        if (errors.Count == 1)
            ExceptionDispatchInfo.Throw(errors[0]);
        throw new AggregateException("Callbacks of timers on a VirtualClock threw; every other due timer fired.", errors);
    }

    internal void Arm(VirtualClockTimer timer, long dueTicks)
    {
        lock (_gate)
        {
            _timers.Add(timer, dueTicks);
            RearmRealTimerLocked();
        }
        WakeLoops();
    }

    internal void Disarm(VirtualClockTimer timer)
    {
        lock (_gate)
            _timers.Remove(timer);
    }

    internal void Attach(Loop loop)
    {
        lock (_gate)
        {
            _loops.Add(loop);
            RearmRealTimerLocked();
        }
    }

    internal void Detach(Loop loop)
    {
        lock (_gate)
        {
            _loops.Remove(loop);
            RearmRealTimerLocked();
        }
    }

    /// <summary>
    /// A running clock with no loop on it fires its timers from a system timer, due when the next one is, in real
    /// time. A loop on the clock does that itself between steps and when idle. Caller holds the gate.
    /// </summary>
    void RearmRealTimerLocked()
    {
        if (_rate <= 0 || _loops.Count > 0 || _timers.NextDueTicks is not long due)
        {
            _realTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        double real = Math.Ceiling(Math.Max(0, due - NowTicksLocked()) / _rate);
        var dueTime = real >= VirtualClockTimer.MaxSupported.Ticks ? VirtualClockTimer.MaxSupported : TimeSpan.FromTicks((long)real);
        if (_realTimer is null)
            _realTimer = TimeProvider.System.CreateTimer(static s => ((VirtualClock)s!).FireDue(), this, dueTime, Timeout.InfiniteTimeSpan);
        else
            _realTimer.Change(dueTime, Timeout.InfiniteTimeSpan);
    }

    ITimer? _realTimer;

    long NowTicksLocked()
    {
        if (_rate == 0)
            return _baseTicks;
        long real = ClockTimestamps.ElapsedTicks(_baseRealTimestamp, TimeProvider.System.GetTimestamp(), TimeProvider.System.TimestampFrequency);
        return _baseTicks + (long)(real * _rate);
    }

    void WakeLoops()
    {
        Loop[] loops;
        lock (_gate)
        {
            if (_loops.Count == 0)
                return;
            loops = [.. _loops];
        }
        foreach (var loop in loops)
            loop.WakeFromOtherThread();
    }
}
