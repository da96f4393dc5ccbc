using System.Runtime.CompilerServices;

namespace Structured;

// Deadlines: the factories (MoveOnAfter/At, FailAfter/At), setting a deadline while the scope runs, and the texts
// that say a deadline relative to the scope ("deadline 5 s after entry passed", "5 s after entry (in 4 s)").
public sealed partial class CancelScope
{
    /// <summary>
    /// Why the deadline at <paramref name="deadlineTicks"/> cancelled the scope, relative to the scope: "deadline 5 s
    /// after entry passed", or the wall-clock time it was given as. Built only when a deadline cancels.
    /// </summary>
    internal string DeadlineReason(long deadlineTicks, long nowTicks)
    {
        if (DeadlineReasonOverride is { } given)
            return given;
        if (WallClockDeadline.Find(this, deadlineTicks) is { } at)
            return CancelReasons.WallClockDeadline(at);
        long relative = Volatile.Read(ref _relativeTicks);
        return relative <= EntryBase
            ? CancelReasons.DeadlineAfterEntry(deadlineTicks, EntryBase - relative)
            : CancelReasons.DeadlineBeforeEntry(nowTicks, deadlineTicks);
    }

    /// <summary>
    /// The absolute deadline on the clock of the code that entered the scope (<see cref="Time.Now"/>'s clock);
    /// <see cref="TimeSpan.MaxValue"/> for none. Setting it takes effect at once: a deadline in the past cancels the
    /// scope. Setting <see cref="Timeout.InfiniteTimeSpan"/> removes the deadline, as <see cref="TimeSpan.MaxValue"/> does.
    /// For a timeout from now set <c>Time.Now + duration</c>; for a wall-clock time call <see cref="SetDeadline(DateTimeOffset)"/>.
    /// </summary>
    /// <remarks>For a scope from <see cref="MoveOnAfter"/> or with a wall-clock deadline that is not entered yet, reading gives the deadline it would have if entered now.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value set is surely a duration: positive, and earlier than half the clock's reading when the process (system clock) or the loop (other clocks) started.</exception>
    public TimeSpan Deadline
    {
        get
        {
            long relative = Volatile.Read(ref _relativeTicks);
            if (relative >= 0)
                return new TimeSpan(SaturatingAdd(Time.NowTicksFor(LoopOwner ?? Loop.Current), relative));
            if (relative == PendingWallClock && WallClockDeadline.Pending(this) is { } at)
                return new TimeSpan(WallClockDeadline.ToLoopTicks(at, LoopOwner ?? Loop.Current));
            return _deadline;
        }
        set
        {
            value = NoDeadlineIfInfinite(value);
            ClockOrigin.ThrowIfSurelyADuration(value, LoopOwner ?? Loop.Current, nameof(value), "CancelScope.Deadline", "Set Deadline = Time.Now + duration");
            SetDeadline(value);
        }
    }

    /// <summary>
    /// Sets the deadline to a wall-clock time: the scope is cancelled when the clock's <see cref="TimeProvider.GetUtcNow"/>
    /// reaches <paramref name="deadline"/>. Takes effect at once, as the <see cref="Deadline"/> setter; the reason reads
    /// "deadline 2026-12-02T21:00:00Z passed". <see cref="DateTimeOffset.MaxValue"/> removes the deadline.
    /// </summary>
    /// <param name="deadline">When, as a wall-clock time with its offset.</param>
    /// <remarks>
    /// The time is turned into a deadline on the scope's monotonic clock (the loop's clock, or the system's off the
    /// loop) when the scope is entered, or now if it is running: a later change of the wall clock (a daylight-saving
    /// switch, an NTP correction) does not move it, as for <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>.
    /// </remarks>
    public void SetDeadline(DateTimeOffset deadline)
    {
        BuildDeadlineReasonBeforeChange();
        if (deadline == DateTimeOffset.MaxValue)
        {
            SetDeadline(TimeSpan.MaxValue);
            return;
        }
        if (ForeignThreadOnLoop(out var loop))
        {
            loop.PostInternal(() => SetDeadline(deadline));
            return;
        }
        if (Volatile.Read(ref _state) == Unentered)
        {
            WallClockDeadline.Set(this, deadline, ticks: null);
            _deadline = TimeSpan.MaxValue;
            Volatile.Write(ref _relativeTicks, PendingWallClock);
            return;
        }
        long ticks = WallClockDeadline.ToLoopTicks(deadline, LoopOwner);
        WallClockDeadline.Set(this, deadline, ticks);
        SetDeadline(new TimeSpan(ticks));
    }

    void SetDeadline(TimeSpan value)
    {
        BuildDeadlineReasonBeforeChange();
        if (ForeignThreadOnLoop(out var loop))
        {
            loop.PostInternal(() => SetDeadline(value));
            return;
        }
        bool expired;
        long now = 0;
        using (new ScopeGate(Gate))
        {
            _deadline = value;
            if (_state == Unentered)
                Volatile.Write(ref _relativeTicks, NoRelative); // from entry on, the field keeps the time of entry
            if (_state != Active)
                return;
            DisarmTimer();
            now = Time.NowTicksFor(LoopOwner);
            expired = value != TimeSpan.MaxValue && value.Ticks <= now;
            if (!expired && value != TimeSpan.MaxValue && _cancelRequested == 0)
                ArmTimer();
        }
        if (expired)
            RequestCancel(DeadlineReason(value.Ticks, now), byDeadline: true);
    }

    /// <summary>A scope whose deadline is <paramref name="duration"/> after it is entered (Trio's <c>move_on_after</c>, counted from entry as in Trio 0.27).</summary>
    /// <param name="duration">How long after entry the scope is cancelled; <see cref="Timeout.InfiniteTimeSpan"/> or <see cref="TimeSpan.MaxValue"/> for never (Trio's <c>move_on_after(math.inf)</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    public static CancelScope MoveOnAfter(TimeSpan duration)
    {
        if (duration == Timeout.InfiniteTimeSpan || duration == TimeSpan.MaxValue)
            return new CancelScope();
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return new CancelScope { _relativeTicks = duration.Ticks };
    }

    /// <summary>A scope with the absolute <paramref name="deadline"/> on <see cref="Time.Now"/>'s clock (Trio's <c>move_on_at</c>); <see cref="Timeout.InfiniteTimeSpan"/> or <see cref="TimeSpan.MaxValue"/> for none.</summary>
    /// <param name="deadline">An absolute time: <c>Time.Now + duration</c>, not a duration. A deadline in the past is legal: the scope is cancelled at its first checkpoint.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="deadline"/> is surely a duration: positive, and earlier than half the clock's reading when the process (system clock) or the loop (other clocks) started. Use <see cref="MoveOnAfter"/> for a relative timeout.</exception>
    public static CancelScope MoveOnAt(TimeSpan deadline)
    {
        ClockOrigin.ThrowIfSurelyADuration(NoDeadlineIfInfinite(deadline), Loop.Current, nameof(deadline), "CancelScope.MoveOnAt", "Use CancelScope.MoveOnAfter(duration)");
        return new(deadline);
    }

    /// <summary>
    /// A scope cancelled when the clock's wall-clock time (<see cref="TimeProvider.GetUtcNow"/> of the loop's clock, or
    /// of the system off the loop) reaches <paramref name="deadline"/>; the reason reads "deadline 2026-12-02T21:00:00Z passed".
    /// </summary>
    /// <param name="deadline">When, as a wall-clock time with its offset; in the past, the scope is cancelled at its first checkpoint; <see cref="DateTimeOffset.MaxValue"/> for none.</param>
    /// <remarks>The time is turned into a deadline on the monotonic clock when the scope is entered (see <see cref="SetDeadline(DateTimeOffset)"/>).</remarks>
    /// <example><code>await CancelScope.MoveOnAt(new DateTimeOffset(2026, 12, 2, 21, 0, 0, TimeSpan.Zero)).RunAsync(() => ServeUntilNineAsync());</code></example>
    public static CancelScope MoveOnAt(DateTimeOffset deadline)
    {
        var scope = new CancelScope();
        scope.SetDeadline(deadline);
        return scope;
    }

    static TimeSpan NoDeadlineIfInfinite(TimeSpan deadline) => deadline == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : deadline;

    /// <summary>
    /// Runs <paramref name="body"/> with a deadline <paramref name="duration"/> from now; if that deadline
    /// cancels it, throws <see cref="TimeoutException"/> (Trio's <c>fail_after</c>).
    /// </summary>
    /// <param name="duration">The time limit, counted from now; <see cref="Timeout.InfiniteTimeSpan"/> or <see cref="TimeSpan.MaxValue"/> for none.</param>
    /// <param name="body">The code to run.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="TimeoutException">The deadline expired first. Never thrown when an outer scope cancelled the body: that cancellation propagates.</exception>
    public static Task FailAfter(TimeSpan duration, Func<Task> body)
    {
        var scope = MoveOnAfter(duration);
        ArgumentNullException.ThrowIfNull(body);
        return FailCore(scope, body, duration);
    }

    /// <summary>Runs <paramref name="body"/> with the absolute <paramref name="deadline"/> on <see cref="Time.Now"/>'s clock; if it expires, throws <see cref="TimeoutException"/> (Trio's <c>fail_at</c>).</summary>
    /// <param name="deadline">An absolute time: <c>Time.Now + duration</c>, not a duration; <see cref="Timeout.InfiniteTimeSpan"/> or <see cref="TimeSpan.MaxValue"/> for none.</param>
    /// <param name="body">The code to run.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="deadline"/> is surely a duration (see <see cref="MoveOnAt(TimeSpan)"/>). Use <see cref="FailAfter(TimeSpan, Func{Task})"/> for a relative timeout.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="TimeoutException">The deadline expired first.</exception>
    public static Task FailAt(TimeSpan deadline, Func<Task> body)
    {
        ClockOrigin.ThrowIfSurelyADuration(NoDeadlineIfInfinite(deadline), Loop.Current, nameof(deadline), "CancelScope.FailAt", "Use CancelScope.FailAfter(duration, body)");
        ArgumentNullException.ThrowIfNull(body);
        return FailCore(new CancelScope(deadline), body, null);
    }

    /// <summary>Runs <paramref name="body"/> until the wall-clock time <paramref name="deadline"/> (as <see cref="MoveOnAt(DateTimeOffset)"/>); if it passes first, throws <see cref="TimeoutException"/>.</summary>
    /// <param name="deadline">When, as a wall-clock time with its offset; <see cref="DateTimeOffset.MaxValue"/> for none.</param>
    /// <param name="body">The code to run.</param>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="TimeoutException">The deadline passed first; the message names it.</exception>
    public static Task FailAt(DateTimeOffset deadline, Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return FailCore(MoveOnAt(deadline), body, null);
    }

    /// <summary>Runs <paramref name="body"/> (a <see cref="ValueTask"/>-returning function) until the wall-clock time <paramref name="deadline"/>; as <see cref="FailAt(DateTimeOffset, Func{Task})"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="TimeoutException">The deadline passed first.</exception>
    [OverloadResolutionPriority(-1)]
    public static Task FailAt(DateTimeOffset deadline, Func<ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return FailAt(deadline, () => body().AsTask());
    }

    /// <summary>Runs <paramref name="body"/> with a deadline <paramref name="duration"/> from now and returns its value; throws <see cref="TimeoutException"/> if the deadline expires.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="TimeoutException">The deadline expired first.</exception>
    public static async Task<T> FailAfter<T>(TimeSpan duration, Func<Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        T result = default!;
        await FailAfter(duration, async () => { result = await body(); });
        return result;
    }

    /// <summary>Runs <paramref name="body"/> (a <see cref="ValueTask{TResult}"/>-returning function, such as <c>() =&gt; receive.ReceiveAsync()</c>) with a deadline <paramref name="duration"/> from now and returns its value; as <see cref="FailAfter{T}(TimeSpan, Func{Task{T}})"/>.</summary>
    /// <typeparam name="T">The body's result type.</typeparam>
    /// <param name="duration">The time limit, counted from now; <see cref="Timeout.InfiniteTimeSpan"/> or <see cref="TimeSpan.MaxValue"/> for none.</param>
    /// <param name="body">The code to run.</param>
    /// <returns>The body's value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="TimeoutException">The deadline expired first.</exception>
    [OverloadResolutionPriority(-1)]
    public static Task<T> FailAfter<T>(TimeSpan duration, Func<ValueTask<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return FailAfter(duration, () => body().AsTask());
    }

    static async Task FailCore(CancelScope scope, Func<Task> body, TimeSpan? duration)
    {
        await scope.RunAsync(body);
        if (scope.CancelledCaught && scope._cancelledByDeadline)
        {
            throw new TimeoutException(duration is { } d
                ? $"The operation did not finish within {CancelReasons.Duration(d.Ticks)} (CancelScope.FailAfter)."
                : $"The operation did not finish before its deadline (CancelScope.FailAt): {scope.CancelReason}.");
        }
    }

    /// <summary>Runs <paramref name="body"/> (a <see cref="ValueTask"/>-returning function) with a deadline <paramref name="duration"/> from now; as <see cref="FailAfter(TimeSpan, Func{Task})"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="TimeoutException">The deadline expired first.</exception>
    [OverloadResolutionPriority(-1)]
    public static Task FailAfter(TimeSpan duration, Func<ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return FailAfter(duration, () => body().AsTask());
    }

    /// <summary>Runs <paramref name="body"/> (a <see cref="ValueTask"/>-returning function) with the absolute <paramref name="deadline"/>; as <see cref="FailAt(TimeSpan, Func{Task})"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="TimeoutException">The deadline expired first.</exception>
    [OverloadResolutionPriority(-1)]
    public static Task FailAt(TimeSpan deadline, Func<ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return FailAt(deadline, () => body().AsTask());
    }

    // The deadline for ToString and the task tree, relative to the scope as the reasons are: "5 s after entry (in 4 s)".
    string DeadlineText()
    {
        long relative = Volatile.Read(ref _relativeTicks);
        if (relative >= 0)
            return CancelReasons.Duration(relative) + " after entry";
        if (relative == PendingWallClock)
            return WallClockDeadline.Pending(this) is { } pending ? CancelReasons.WallClock(pending) : "none";
        long deadline = _deadline.Ticks;
        long now = Time.NowTicksFor(LoopOwner ?? Loop.Current);
        string when = deadline > now ? $"in {CancelReasons.Span((Int128)deadline - now)}" : $"passed {CancelReasons.Span((Int128)now - deadline)} ago";
        if (WallClockDeadline.Find(this, deadline) is { } at)
            return $"{CancelReasons.WallClock(at)} ({when})";
        if (relative <= EntryBase)
            return $"{CancelReasons.Relative(deadline, EntryBase - relative, "after entry", "before entry")} ({when})";
        return when;
    }
}
