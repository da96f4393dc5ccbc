using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Structured;

/// <summary>
/// A region of code that can be cancelled as a whole (Trio's <c>trio.CancelScope</c>): the code in its
/// body, the scopes nested in it, and the children of nurseries opened inside it.
/// </summary>
/// <remarks>
/// <para>Cancellation is level-triggered: once the scope is cancelled, every checkpoint inside it throws
/// <see cref="Cancelled"/>, again and again, until control leaves the scope. The scope swallows the
/// cancellation it caused at its exit (then <see cref="CancelledCaught"/> is true); a cancellation caused
/// by an outer scope keeps going up to that scope.</para>
/// <para>A <see cref="Shield"/>ed scope keeps outer cancellation and outer deadlines out; its own
/// <see cref="Cancel(string?)"/> and <see cref="Deadline"/> still apply.</para>
/// <para>Entering and leaving a scope is not a checkpoint. A scope runs once. <see cref="Cancel(string?)"/>,
/// <see cref="Deadline"/> and <see cref="Shield"/> may be used from any thread; on the loop thread they
/// take effect before they return, from another thread as soon as the loop gets to them.</para>
/// </remarks>
/// <example>
/// <code>
/// var scope = CancelScope.MoveOnAfter(TimeSpan.FromSeconds(5));
/// await scope.RunAsync(async () => await DownloadAsync(CancelScope.CurrentToken));
/// if (scope.CancelledCaught) Console.WriteLine("gave up after 5 s");
/// </code>
/// </example>
[DebuggerDisplay("{ToString(),nq}")]
public sealed partial class CancelScope : IParkRegistration, ILoopTimer
{
    const int Unentered = 0, Active = 1, Exited = 2;

    // OperationCanceledExceptions that carry one of our tokens, recognized on their way out of a scope.
    static readonly ConditionalWeakTable<Exception, object> s_ownTokenCancellations = [];

    // The innermost scope of the running logical flow (docs/decisions/0007). The scope stack belongs to the flow,
    // not to the task: two scope bodies awaited together (Task.WhenAll) each see their own scope, and the code
    // that started them still sees the scope it is in. A child task's flow inherits its spawner's value, which
    // it ignores (the scope's Owner is another task) in favour of its own root scope, task.CancelState.
    static readonly AsyncLocal<CancelScope?> s_flowScope = new();

    // How the deadline was set, in one long rather than a field for each (CancelScope is kept small):
    //   before entry: >= 0 a MoveOnAfter duration, counted from entry; NoRelative none (the deadline, if any, is
    //   _deadline); PendingWallClock a wall-clock deadline (WallClockDeadline), turned into loop time at entry;
    //   from entry on: EntryBase minus the loop time of entry, for reasons that read "deadline 5 s after entry passed".
    const long NoRelative = -1, PendingWallClock = -2, EntryBase = -3;

    // Stands for "the deadline passed" in _reason until someone reads the reason: formatting it on every firing cost
    // 5 % of W5's bytes, and most timeouts are never explained to anyone. Compared by reference (never interned).
    static readonly string s_deadlineReasonUnbuilt = new('?', 1);

    TimeSpan _deadline;
    long _relativeTicks = NoRelative;
    bool _shield;
    int _state;
    int _cancelRequested;
    // The reason, first one wins; s_deadlineReasonUnbuilt while it is a fired deadline's text not read yet (ReasonText).
    string? _reason;
    bool _cancelledByDeadline;
    bool _cancelledCaught;
    // The token source, off-loop timer and lock, nursery link, CancelWhen links, callback errors: made on first use.
    ScopeRareParts? _rare;
    TimerSlot _timerSlot;

    // The tree, valid while the scope is active. Guarded by Gate off the loop; loop thread only on the loop.
    CancelScope? _firstChild, _nextSibling, _previousSibling;
    Parker? _parkedHead;

    /// <summary>Creates a scope, not yet entered.</summary>
    /// <param name="deadline">An absolute deadline on the clock of the code that enters the scope (<see cref="Time.Now"/> + duration); null, <see cref="TimeSpan.MaxValue"/> or <see cref="Timeout.InfiniteTimeSpan"/> for none. For a timeout use <see cref="MoveOnAfter"/>; for a wall-clock time, <see cref="MoveOnAt(DateTimeOffset)"/>.</param>
    /// <param name="shield">Whether the scope keeps outer cancellation out.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="deadline"/> is surely a duration: positive, and earlier than half the clock's reading when the process (system clock) or the loop (other clocks) started. A deadline in the past otherwise is legal and cancels the scope at its first checkpoint.</exception>
    public CancelScope(TimeSpan? deadline = null, bool shield = false)
    {
        if (deadline is { } given)
        {
            _deadline = NoDeadlineIfInfinite(given);
            if (_deadline != TimeSpan.MaxValue)
                ClockOrigin.ThrowIfSurelyADuration(_deadline, Loop.Current, nameof(deadline), "new CancelScope(deadline)", "Use CancelScope.MoveOnAfter(duration)");
        }
        else
        {
            _deadline = TimeSpan.MaxValue;
        }
        _shield = shield;
    }

    /// <summary>
    /// The reason given when the deadline passes, instead of "deadline ... passed": set by a package that knows where
    /// the deadline came from (Structured.AspNetCore: "incoming deadline of 500 ms from header 'grpc-timeout' passed").
    /// </summary>
    /// <remarks>Kept in the rarely used parts: most scopes never have one.</remarks>
    internal string? DeadlineReasonOverride
    {
        get => Volatile.Read(ref _rare)?.DeadlineReasonOverride;
        set
        {
            BuildDeadlineReasonBeforeChange();
            Rare.DeadlineReasonOverride = value;
        }
    }

    /// <summary>The enclosing scope while active (the nursery's scope for a child task's outermost scope).</summary>
    internal CancelScope? Parent { get; private set; }

    /// <summary>The task that entered the scope.</summary>
    internal TaskInfo? Owner { get; private set; }

    /// <summary>The loop the scope lives on (its owner's), or null off the loop and before it is entered.</summary>
    internal Loop? LoopOwner => Owner?.Loop;

    /// <summary>The lock of the scope tree off the loop; null on the loop.</summary>
    internal Lock? Gate
    {
        get => Volatile.Read(ref _rare)?.Gate;
        private set
        {
            if (value is not null || _rare is not null)
                Rare.Gate = value;
        }
    }

    /// <summary>The nursery this scope belongs to, when it is a nursery's scope.</summary>
    internal Nursery? Nursery
    {
        get => Volatile.Read(ref _rare)?.Nursery;
        set => Rare.Nursery = value;
    }

    /// <summary>The rarely used parts, made on first use (from any thread).</summary>
    ScopeRareParts Rare
    {
        get
        {
            var rare = Volatile.Read(ref _rare);
            if (rare is not null)
                return rare;
            var created = new ScopeRareParts();
            return Interlocked.CompareExchange(ref _rare, created, null) ?? created;
        }
    }

    /// <summary>The token source if someone asked for the token, else null.</summary>
    CancellationTokenSource? TokenSourceOrNull => Volatile.Read(ref _rare) is { } rare ? Volatile.Read(ref rare.TokenSource) : null;

    /// <summary>The scope whose cancellation reaches code in this scope (the outermost one), or null.</summary>
    internal CancelScope? EffectiveCanceller { get; private set; }

    internal bool IsActive => Volatile.Read(ref _state) == Active;

    /// <summary>The innermost scope around the running code, or null when no scope is active there.</summary>
    public static CancelScope? Current => TaskInfo.CurrentOrNull is { } task ? CurrentIn(task) : null;

    /// <summary>
    /// A token that is cancelled exactly when the code at this point is cancelled (shields respected), to
    /// pass to any .NET API; <see cref="CancellationToken.None"/> outside any scope.
    /// </summary>
    public static CancellationToken CurrentToken => Current?.Token ?? CancellationToken.None;

    /// <summary>
    /// The earliest deadline over the enclosing scopes up to the nearest shield (Trio's
    /// <c>current_effective_deadline</c>): <see cref="TimeSpan.MaxValue"/> when there is none,
    /// <see cref="TimeSpan.MinValue"/> when the code here is already cancelled.
    /// </summary>
    public static TimeSpan CurrentEffectiveDeadline
    {
        get
        {
            var scope = Current;
            if (scope is null)
                return TimeSpan.MaxValue;
            using var gate = new ScopeGate(scope.Gate);
            if (scope.EffectiveCanceller is not null)
                return TimeSpan.MinValue;
            var earliest = TimeSpan.MaxValue;
            for (var s = scope; s is not null; s = s.Parent)
            {
                if (s._deadline < earliest)
                    earliest = s._deadline;
                if (s._shield)
                    break;
            }
            return earliest;
        }
    }

    /// <summary>Whether cancellation was requested: by <see cref="Cancel(string?)"/>, or by the deadline passing.</summary>
    /// <remarks>An unentered scope checks its deadline when asked; once true, this never turns back.</remarks>
    public bool CancelCalled
    {
        get
        {
            if (Volatile.Read(ref _cancelRequested) == 0 && Volatile.Read(ref _state) == Unentered && _relativeTicks < 0)
                CheckUnenteredDeadline();
            return Volatile.Read(ref _cancelRequested) != 0;
        }
    }

    void CheckUnenteredDeadline()
    {
        var loop = LoopOwner ?? Loop.Current;
        long now = Time.NowTicksFor(loop);
        if (_relativeTicks == PendingWallClock)
        {
            if (WallClockDeadline.Pending(this) is { } at && WallClockDeadline.ToLoopTicks(at, loop) <= now)
                RequestCancel(CancelReasons.WallClockDeadline(at), byDeadline: true);
            return;
        }
        if (_deadline != TimeSpan.MaxValue && _deadline.Ticks <= now)
            RequestCancel(DeadlineReason(_deadline.Ticks, now), byDeadline: true);
    }

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
            ? CancelReasons.DeadlineAfterEntry(deadlineTicks - (EntryBase - relative))
            : CancelReasons.DeadlineBeforeEntry(nowTicks - deadlineTicks);
    }

    /// <summary>Whether the scope caught a cancellation at its exit (it was the outermost cancelled scope around it).</summary>
    public bool CancelledCaught => Volatile.Read(ref _cancelledCaught);

    /// <summary>Why the scope was cancelled ("deadline ... passed", the text given to <see cref="Cancel(string?)"/>, ...), or null while it is not.</summary>
    public string? CancelReason => CancelCalled ? ReasonText : null;

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

    /// <summary>Whether the scope keeps outer cancellation and outer deadlines out. Changing it takes effect at once.</summary>
    public bool Shield
    {
        get => Volatile.Read(ref _shield);
        set => SetShield(value);
    }

    void SetShield(bool value)
    {
        if (ForeignThreadOnLoop(out var loop))
        {
            loop.PostInternal(() => SetShield(value));
            return;
        }
        PendingCancellation? tokens = null;
        using (new ScopeGate(Gate))
        {
            if (_shield == value)
                return;
            Volatile.Write(ref _shield, value);
            if (_state == Active)
                Refresh(this, ref tokens);
        }
        CancelTokens(tokens);
    }

    /// <summary>
    /// A token cancelled exactly when code in this scope is cancelled (by this scope or, unless shielded, an
    /// outer one). Pass it to .NET APIs; a cancellation they raise with it counts as this scope's own.
    /// </summary>
    public CancellationToken Token
    {
        get
        {
            var source = TokenSourceOrNull;
            if (source is null)
            {
                var created = new CancellationTokenSource();
                source = Interlocked.CompareExchange(ref Rare.TokenSource, created, null) ?? created;
                if (!ReferenceEquals(source, created))
                    created.Dispose();
                else if (EffectiveCanceller is not null || (Volatile.Read(ref _state) == Unentered && CancelCalled))
                    created.Cancel();
            }
            return source.Token;
        }
    }

    /// <summary>Creates a scope, not yet entered, that is cancelled when <paramref name="cancellationToken"/> is (see <see cref="CancelWhen"/>).</summary>
    /// <param name="cancellationToken">A token from outside (a host's stopping token, a request's abort token).</param>
    /// <param name="deadline">An absolute deadline on the clock of the code that enters the scope; null for none.</param>
    /// <param name="shield">Whether the scope keeps outer cancellation out.</param>
    public CancelScope(CancellationToken cancellationToken, TimeSpan? deadline = null, bool shield = false)
        : this(deadline, shield)
        => CancelWhen(cancellationToken);

    /// <summary>
    /// Links a <see cref="CancellationToken"/> from outside to this scope: when the token is cancelled, so is the
    /// scope, as if <see cref="Cancel(string?)"/> had been called, with a reason that names the token. A token
    /// cancelled already cancels the scope at once. The link ends when the scope exits.
    /// </summary>
    /// <param name="cancellationToken">The token to follow; <see cref="CancellationToken.None"/> is ignored.</param>
    /// <param name="reason">The reason shown in <see cref="CancelReason"/> and the <see cref="Cancelled"/> exception; null for "the CancellationToken given to CancelScope.CancelWhen was cancelled".</param>
    /// <returns>This scope, for chaining: <c>await CancelScope.MoveOnAfter(t).CancelWhen(stopping).RunAsync(...)</c>.</returns>
    /// <exception cref="InvalidOperationException">The scope has already run: link tokens before or while it runs.</exception>
    /// <remarks>The cancellation counts as this scope's own: the scope catches it at its exit, like its deadline.</remarks>
    public CancelScope CancelWhen(CancellationToken cancellationToken, string? reason = null)
    {
        if (Volatile.Read(ref _state) == Exited)
            throw new InvalidOperationException("CancelScope.CancelWhen: this scope has already run, so the token could cancel nothing. Link the token before RunAsync, or inside the body.");
        if (!cancellationToken.CanBeCanceled)
            return this;
        reason ??= CancelReasons.Token("CancelScope.CancelWhen");
        if (cancellationToken.IsCancellationRequested)
        {
            RequestCancel(reason, byDeadline: false, cause: CancelCause.Token);
            return this;
        }
        var registration = cancellationToken.UnsafeRegister(static (state, _) =>
        {
            var (scope, why) = ((CancelScope, string))state!;
            scope.RequestCancel(why, byDeadline: false, cause: CancelCause.Token);
        }, (this, reason));
        // Copy on write: CancelWhen may race with itself and with the exit, from any thread.
        while (true)
        {
            var rare = Rare;
            var links = Volatile.Read(ref rare.LinkedTokens);
            CancellationTokenRegistration[] grown = links is null ? [registration] : [.. links, registration];
            if (Interlocked.CompareExchange(ref rare.LinkedTokens, grown, links) == links)
                break;
        }
        return this;
    }

    void UnlinkTokens()
    {
        if (Volatile.Read(ref _rare) is not { } rare)
            return;
        foreach (var registration in Interlocked.Exchange(ref rare.LinkedTokens, null) ?? [])
            registration.Dispose();
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

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask"/>-returning function, inside this scope; as <see cref="RunAsync(Func{Task})"/>.</summary>
    /// <remarks>An async lambda binds to the <see cref="Task"/> overload; this one takes functions that return a <see cref="ValueTask"/>, such as <c>() => Time.SleepForeverAsync()</c>.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The scope was entered before: a scope runs once.</exception>
    [OverloadResolutionPriority(-1)]
    public Task RunAsync(Func<ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync(() => body().AsTask());
    }

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask{TResult}"/>-returning function, inside this scope and returns its value, or default when this scope caught a cancellation.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The scope was entered before: a scope runs once.</exception>
    [OverloadResolutionPriority(-1)]
    public Task<T?> RunAsync<T>(Func<ValueTask<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync(() => body().AsTask());
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

    /// <summary>
    /// Runs <paramref name="body"/> inside this scope (Trio's <c>with scope:</c>). A cancellation that this
    /// scope caused is caught here; everything else comes out as it went in.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The scope was entered before: a scope runs once.</exception>
    public Task RunAsync(Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        // Fast path, no async state machine: inside a task, a body that completes at once (workload W4).
        // Outside any task the slow path makes one; inside an async method, so that the caller's context keeps no trace.
        if (TaskInfo.CurrentOrNull is not { } task)
            return RunSlowAsync(null, body, bodyTask: null);
        // Entering makes this scope the flow's current one (an AsyncLocal, so a copy-on-write of the execution
        // context); the caller's context is put back before returning, as an async method's builder would.
        var callerContext = ExecutionContext.Capture();
        Enter(task);
        Task bodyTask;
        try
        {
            bodyTask = body() ?? throw NullBody();
        }
        catch (Exception e)
        {
            return FinishFaulted(task, e, callerContext);
        }
        if (!bodyTask.IsCompletedSuccessfully)
        {
            // The body goes on in its own flow (it captured the context with this scope current); the caller does not.
            var rest = RunSlowAsync(task, body, bodyTask);
            RestoreFlow(callerContext);
            return rest;
        }
        var remaining = Exit(task, null);
        RestoreFlow(callerContext);
        return remaining is null ? Task.CompletedTask : Task.FromException(remaining);
    }

    Task FinishFaulted(TaskInfo task, Exception error, ExecutionContext? callerContext)
    {
        try
        {
            Rethrow(Exit(task, error), error);
            return Task.CompletedTask;
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
        finally
        {
            RestoreFlow(callerContext);
        }
    }

    void RestoreFlow(ExecutionContext? callerContext)
    {
        if (callerContext is not null)
            ExecutionContext.Restore(callerContext);
        else
            s_flowScope.Value = Parent; // the flow of the execution context is suppressed: nothing to restore
    }

    async Task RunSlowAsync(TaskInfo? enteredBy, Func<Task> body, Task? bodyTask)
    {
        // Outside any task, the implicit task is made here, inside an async method, so the caller keeps no trace of it.
        var task = enteredBy ?? TaskRuntime.EnsureTask();
        // On a loop, a scope whose body is running keeps Loop.Run running (a forgotten await must not abandon it).
        var loop = task.Loop;
        loop?.OpenRegion();
        try
        {
            if (enteredBy is null)
                Enter(task);
            Exception? error = null;
            try
            {
                bodyTask ??= body() ?? throw NullBody();
            }
            catch (Exception e)
            {
                error = e;
            }
            if (bodyTask is not null)
            {
                // Not a plain await: a cancelled body would throw again here only for us to catch it.
                await bodyTask.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
                error = TaskErrors.ErrorOf(bodyTask);
            }
            Rethrow(Exit(task, error), error);
        }
        catch (Exception e) when (loop is not null && loop.NoteRegionError(task, e))
        {
        }
        finally
        {
            loop?.CloseRegion();
        }
    }

    /// <summary>Runs <paramref name="body"/> inside this scope and returns its value, or default when this scope caught a cancellation.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The scope was entered before: a scope runs once.</exception>
    public async Task<T?> RunAsync<T>(Func<Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var task = TaskRuntime.EnsureTask();
        // On a loop, a scope whose body is running keeps Loop.Run running (a forgotten await must not abandon it).
        var loop = task.Loop;
        loop?.OpenRegion();
        try
        {
            Enter(task);
            Exception? error = null;
            T? result = default;
            Task<T>? bodyTask = null;
            try
            {
                bodyTask = body() ?? throw NullBody();
            }
            catch (Exception e)
            {
                error = e;
            }
            if (bodyTask is not null)
            {
                // SuppressThrowing is for the non-generic Task only: await the Task<T> as a Task.
                await ((Task)bodyTask).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
                error = TaskErrors.ErrorOf(bodyTask);
                if (error is null)
                    result = bodyTask.Result;
            }
            Rethrow(Exit(task, error), error);
            return result;
        }
        catch (Exception e) when (loop is not null && loop.NoteRegionError(task, e))
        {
            throw; // never reached: the filter only notes the error
        }
        finally
        {
            loop?.CloseRegion();
        }
    }

    /// <summary>
    /// Cancels the scope: every checkpoint inside it throws <see cref="Cancelled"/> from now on, and tasks
    /// blocked inside it wake with it. Safe from any thread, any number of times; the first reason stays.
    /// </summary>
    /// <param name="reason">Why, for the exception and the task tree; null for "CancelScope.Cancel() was called".</param>
    public void Cancel(string? reason = null) => RequestCancel(reason ?? CancelReasons.Explicit, byDeadline: false);

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder(Nursery is null ? "cancel scope" : "nursery scope");
        if (_deadline != TimeSpan.MaxValue || _relativeTicks >= 0 || _relativeTicks == PendingWallClock)
            text.Append(", deadline ").Append(DeadlineText());
        if (_shield)
            text.Append(", shielded");
        if (Volatile.Read(ref _cancelRequested) != 0)
            text.Append(", cancelled (").Append(ReasonText).Append(')');
        else if (EffectiveCanceller is not null)
            text.Append(", cancelled by an outer scope");
        return text.ToString();
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
        string when = deadline > now ? $"in {CancelReasons.Duration(deadline - now)}" : $"passed {CancelReasons.Duration(now - deadline)} ago";
        if (WallClockDeadline.Find(this, deadline) is { } at)
            return $"{CancelReasons.WallClock(at)} ({when})";
        if (relative <= EntryBase)
        {
            long afterEntry = deadline - (EntryBase - relative);
            return afterEntry >= 0
                ? $"{CancelReasons.Duration(afterEntry)} after entry ({when})"
                : $"{CancelReasons.Duration(-afterEntry)} before entry ({when})";
        }
        return when;
    }

    static InvalidOperationException NullBody()
        => new("The body given to CancelScope.RunAsync returned a null Task; return the Task of an async method.");

    static void Rethrow(Exception? remaining, Exception? original)
    {
        if (remaining is null)
            return;
        if (ReferenceEquals(remaining, original))
            ExceptionDispatchInfo.Throw(remaining);
        throw remaining;
    }
}
