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
public sealed class CancelScope : IParkRegistration, ILoopTimer
{
    const int Unentered = 0, Active = 1, Exited = 2;

    // OperationCanceledExceptions that carry one of our tokens, recognized on their way out of a scope.
    static readonly ConditionalWeakTable<Exception, object> s_ownTokenCancellations = [];

    TimeSpan _deadline;
    long _relativeTicks = -1;
    bool _shield;
    int _state;
    int _cancelRequested;
    string? _reason;
    bool _cancelledByDeadline;
    bool _cancelledCaught;
    CancellationTokenSource? _tokenSource;
    TimerSlot _timerSlot;
    ITimer? _offLoopTimer;

    // The tree, valid while the scope is active. Guarded by Gate off the loop; loop thread only on the loop.
    CancelScope? _firstChild, _nextSibling, _previousSibling;
    Parker? _parkedHead;

    /// <summary>Creates a scope, not yet entered.</summary>
    /// <param name="deadline">An absolute deadline on the clock of the code that enters the scope (<see cref="Time.Now"/>); null for none.</param>
    /// <param name="shield">Whether the scope keeps outer cancellation out.</param>
    public CancelScope(TimeSpan? deadline = null, bool shield = false)
    {
        _deadline = deadline ?? TimeSpan.MaxValue;
        _shield = shield;
    }

    /// <summary>The enclosing scope while active (the nursery's scope for a child task's outermost scope).</summary>
    internal CancelScope? Parent { get; private set; }

    /// <summary>The task that entered the scope.</summary>
    internal TaskInfo? Owner { get; private set; }

    /// <summary>The loop the scope lives on, or null off the loop.</summary>
    internal Loop? LoopOwner { get; private set; }

    /// <summary>The lock of the scope tree off the loop; null on the loop.</summary>
    internal Lock? Gate { get; private set; }

    /// <summary>The nursery this scope belongs to, when it is a nursery's scope.</summary>
    internal Nursery? Nursery { get; set; }

    /// <summary>The scope whose cancellation reaches code in this scope (the outermost one), or null.</summary>
    internal CancelScope? EffectiveCanceller { get; private set; }

    internal bool IsActive => Volatile.Read(ref _state) == Active;

    /// <summary>The innermost scope around the running code, or null when no scope is active there.</summary>
    public static CancelScope? Current => TaskInfo.CurrentOrNull?.CancelState as CancelScope;

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
            if (Volatile.Read(ref _cancelRequested) == 0 && Volatile.Read(ref _state) == Unentered
                && _relativeTicks < 0 && _deadline != TimeSpan.MaxValue && _deadline.Ticks <= Time.NowTicksFor(LoopOwner ?? Loop.Current))
                RequestCancel(CancelReasons.Deadline(_deadline), byDeadline: true);
            return Volatile.Read(ref _cancelRequested) != 0;
        }
    }

    /// <summary>Whether the scope caught a cancellation at its exit (it was the outermost cancelled scope around it).</summary>
    public bool CancelledCaught => Volatile.Read(ref _cancelledCaught);

    /// <summary>Why the scope was cancelled ("deadline ... passed", the text given to <see cref="Cancel(string?)"/>, ...), or null while it is not.</summary>
    public string? CancelReason => CancelCalled ? _reason ?? CancelReasons.Explicit : null;

    /// <summary>
    /// The absolute deadline on the clock of the code that entered the scope; <see cref="TimeSpan.MaxValue"/>
    /// for none. Setting it takes effect at once: a deadline in the past cancels the scope.
    /// </summary>
    /// <remarks>For a scope from <see cref="MoveOnAfter"/> that is not entered yet, reading gives "now + duration".</remarks>
    public TimeSpan Deadline
    {
        get
        {
            long relative = Volatile.Read(ref _relativeTicks);
            return relative >= 0 ? new TimeSpan(SaturatingAdd(Time.NowTicksFor(LoopOwner ?? Loop.Current), relative)) : _deadline;
        }
        set => SetDeadline(value);
    }

    void SetDeadline(TimeSpan value)
    {
        if (ForeignThreadOnLoop(out var loop))
        {
            loop.PostInternal(() => SetDeadline(value));
            return;
        }
        bool expired;
        using (new ScopeGate(Gate))
        {
            _deadline = value;
            Volatile.Write(ref _relativeTicks, -1);
            if (_state != Active)
                return;
            DisarmTimer();
            expired = value != TimeSpan.MaxValue && value.Ticks <= Time.NowTicksFor(LoopOwner);
            if (!expired && value != TimeSpan.MaxValue && _cancelRequested == 0)
                ArmTimer();
        }
        if (expired)
            RequestCancel(CancelReasons.Deadline(value), byDeadline: true);
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
        List<CancellationTokenSource>? tokens = null;
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
            var source = Volatile.Read(ref _tokenSource);
            if (source is null)
            {
                var created = new CancellationTokenSource();
                source = Interlocked.CompareExchange(ref _tokenSource, created, null) ?? created;
                if (!ReferenceEquals(source, created))
                    created.Dispose();
                else if (EffectiveCanceller is not null || (Volatile.Read(ref _state) == Unentered && CancelCalled))
                    created.Cancel();
            }
            return source.Token;
        }
    }

    /// <summary>A scope whose deadline is <paramref name="duration"/> after it is entered (Trio's <c>move_on_after</c>, counted from entry as in Trio 0.27).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative.</exception>
    public static CancelScope MoveOnAfter(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return new CancelScope { _relativeTicks = duration.Ticks };
    }

    /// <summary>A scope with the absolute <paramref name="deadline"/> (Trio's <c>move_on_at</c>).</summary>
    public static CancelScope MoveOnAt(TimeSpan deadline) => new(deadline);

    /// <summary>
    /// Runs <paramref name="body"/> with a deadline <paramref name="duration"/> from now; if that deadline
    /// cancels it, throws <see cref="TimeoutException"/> (Trio's <c>fail_after</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="TimeoutException">The deadline expired first. Never thrown when an outer scope cancelled the body: that cancellation propagates.</exception>
    public static Task FailAfter(TimeSpan duration, Func<Task> body)
    {
        var scope = MoveOnAfter(duration);
        ArgumentNullException.ThrowIfNull(body);
        return FailCore(scope, body, duration);
    }

    /// <summary>Runs <paramref name="body"/> with the absolute <paramref name="deadline"/>; if it expires, throws <see cref="TimeoutException"/> (Trio's <c>fail_at</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="TimeoutException">The deadline expired first.</exception>
    public static Task FailAt(TimeSpan deadline, Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return FailCore(new CancelScope(deadline), body, null);
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
                ? $"The operation did not finish within {d} (CancelScope.FailAfter)."
                : $"The operation did not finish before its deadline {scope._deadline} (CancelScope.FailAt).");
        }
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
        if (TaskInfo.CurrentOrNull is not { } task)
            return RunSlowAsync(TaskRuntime.EnsureTask(), body, entered: false, bodyTask: null);
        Enter(task);
        Task bodyTask;
        try
        {
            bodyTask = body() ?? throw NullBody();
        }
        catch (Exception e)
        {
            return FinishFaulted(task, e);
        }
        if (!bodyTask.IsCompletedSuccessfully)
            return RunSlowAsync(task, body, entered: true, bodyTask);
        Exit(task, null);
        return Task.CompletedTask;
    }

    Task FinishFaulted(TaskInfo task, Exception error)
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
    }

    async Task RunSlowAsync(TaskInfo task, Func<Task> body, bool entered, Task? bodyTask)
    {
        // On a loop, a scope whose body is running keeps Loop.Run running (a forgotten await must not abandon it).
        var loop = task.Loop;
        loop?.OpenRegion();
        try
        {
            if (!entered)
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
        if (_deadline != TimeSpan.MaxValue || _relativeTicks >= 0)
            text.Append(", deadline ").Append(Deadline);
        if (_shield)
            text.Append(", shielded");
        if (Volatile.Read(ref _cancelRequested) != 0)
            text.Append(", cancelled (").Append(_reason ?? CancelReasons.Explicit).Append(')');
        else if (EffectiveCanceller is not null)
            text.Append(", cancelled by an outer scope");
        return text.ToString();
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

    /// <summary>Makes this scope the innermost scope of <paramref name="task"/>. Not a checkpoint.</summary>
    /// <exception cref="InvalidOperationException">The scope was entered before.</exception>
    internal void Enter(TaskInfo task)
    {
        int previous = Interlocked.CompareExchange(ref _state, Active, Unentered);
        if (previous != Unentered)
        {
            throw new InvalidOperationException(previous == Active
                ? "This CancelScope is already running; a scope is entered once. Create a new CancelScope for each RunAsync."
                : "This CancelScope has already run; a scope runs once. Create a new CancelScope for each RunAsync.");
        }
        var parent = task.CancelState as CancelScope;
        Owner = task;
        LoopOwner = task.Loop;
        Gate = task.Loop is null ? parent?.Gate ?? new Lock() : null;
        bool expired;
        using (new ScopeGate(Gate))
        {
            Parent = parent;
            if (parent is not null)
                parent.LinkChild(this);
            long now = Time.NowTicksFor(LoopOwner);
            if (_relativeTicks >= 0)
            {
                _deadline = new TimeSpan(SaturatingAdd(now, _relativeTicks));
                Volatile.Write(ref _relativeTicks, -1);
            }
            expired = _deadline != TimeSpan.MaxValue && _deadline.Ticks <= now;
            EffectiveCanceller = Compute(parent?.EffectiveCanceller);
            task.CancelState = this;
            if (!expired && _deadline != TimeSpan.MaxValue && _cancelRequested == 0)
                ArmTimer();
        }
        if (expired)
            RequestCancel(CancelReasons.Deadline(_deadline), byDeadline: true);
        else if (EffectiveCanceller is not null)
            Volatile.Read(ref _tokenSource)?.Cancel();
    }

    /// <summary>
    /// Leaves the scope: <paramref name="task"/>'s innermost scope becomes the parent again. Returns what
    /// should propagate: null when there was no error or the scope caught it, else the error (or a copy of
    /// an aggregate with this scope's cancellations stripped out).
    /// </summary>
    internal Exception? Exit(TaskInfo task, Exception? error)
    {
        bool catcher;
        using (new ScopeGate(Gate))
        {
            catcher = ReferenceEquals(EffectiveCanceller, this);
            DisarmTimer();
            Parent?.UnlinkChild(this);
            Debug.Assert(_firstChild is null, "inner scopes and nursery children leave before their scope");
            task.CancelState = Parent;
            Volatile.Write(ref _state, Exited);
        }
        if (error is null)
            return null;
        MarkOwnTokenCancellations(error);
        if (!catcher)
            return error;
        var remaining = StripCancellations(error, out bool stripped);
        if (stripped)
            Volatile.Write(ref _cancelledCaught, true);
        return remaining;
    }

    /// <summary>Whether <paramref name="error"/> is a cancellation that one of our scopes caused.</summary>
    internal static bool IsOurCancellation(Exception error)
        => error is Cancelled || (error is OperationCanceledException && s_ownTokenCancellations.TryGetValue(error, out _));

    /// <summary>Marks cancellations raised with this scope's token (by .NET APIs) as ours.</summary>
    internal void MarkOwnTokenCancellations(Exception error)
    {
        var source = Volatile.Read(ref _tokenSource);
        if (source is null)
            return;
        if (error is OperationCanceledException oce && oce.CancellationToken == source.Token)
            s_ownTokenCancellations.AddOrUpdate(error, this);
        else if (error is AggregateException aggregate)
        {
            foreach (var inner in aggregate.InnerExceptions)
                MarkOwnTokenCancellations(inner);
        }
    }

    /// <summary>Removes our cancellations from <paramref name="error"/>, also inside nested aggregates; null when nothing is left.</summary>
    internal static Exception? StripCancellations(Exception error, out bool stripped)
    {
        stripped = false;
        if (IsOurCancellation(error))
        {
            stripped = true;
            return null;
        }
        if (error is not AggregateException aggregate)
            return error;
        List<Exception>? kept = null;
        var inners = aggregate.InnerExceptions;
        for (int i = 0; i < inners.Count; i++)
        {
            var left = StripCancellations(inners[i], out bool innerStripped);
            if (innerStripped && kept is null)
            {
                kept = new List<Exception>(inners.Count);
                for (int j = 0; j < i; j++)
                    kept.Add(inners[j]);
            }
            stripped |= innerStripped;
            if (kept is not null && left is not null)
                kept.Add(left);
        }
        if (kept is null)
            return error;
        return kept.Count == 0 ? null : new AggregateException(kept);
    }

    /// <summary>Requests cancellation: sets the flag (first reason wins) and, if active, cancels the subtree.</summary>
    internal void RequestCancel(string reason, bool byDeadline)
    {
        Interlocked.CompareExchange(ref _reason, reason, null);
        if (Interlocked.CompareExchange(ref _cancelRequested, 1, 0) != 0)
            return;
        if (byDeadline && ReferenceEquals(_reason, reason))
            _cancelledByDeadline = true;
        if (Volatile.Read(ref _state) == Unentered)
        {
            Volatile.Read(ref _tokenSource)?.Cancel();
            return;
        }
        if (ForeignThreadOnLoop(out var loop))
        {
            loop.PostInternal(PropagateFromLoop);
            return;
        }
        List<CancellationTokenSource>? tokens = null;
        using (new ScopeGate(Gate))
        {
            if (_state == Active)
            {
                DisarmTimer();
                Refresh(this, ref tokens);
            }
        }
        CancelTokens(tokens);
    }

    void PropagateFromLoop()
    {
        List<CancellationTokenSource>? tokens = null;
        if (_state == Active)
        {
            DisarmTimer();
            Refresh(this, ref tokens);
        }
        CancelTokens(tokens);
    }

    bool ForeignThreadOnLoop(out Loop loop)
    {
        loop = LoopOwner!;
        return loop is not null && Volatile.Read(ref _state) == Active && !loop.IsOnLoopThread;
    }

    CancelScope? Compute(CancelScope? parentCanceller)
        => !_shield && parentCanceller is not null ? parentCanceller
            : Volatile.Read(ref _cancelRequested) != 0 ? this : null;

    /// <summary>
    /// Recomputes which scope's cancellation reaches each scope of <paramref name="start"/>'s subtree, wakes the
    /// tasks parked in scopes that became cancelled, and collects their tokens to cancel once the gate is left.
    /// Iterative, so 5,000 nested scopes do not overflow the stack. Caller holds the gate (or is on the loop).
    /// </summary>
    static void Refresh(CancelScope start, ref List<CancellationTokenSource>? tokens)
    {
        var node = start;
        while (true)
        {
            var canceller = node.Compute(node.Parent?.EffectiveCanceller);
            bool changed = !ReferenceEquals(canceller, node.EffectiveCanceller);
            if (changed)
            {
                bool newlyCancelled = node.EffectiveCanceller is null;
                node.EffectiveCanceller = canceller;
                Interlocked.MemoryBarrier(); // pairs with the Token getter: it sees the canceller or we see its source
                if (canceller is null)
                {
                    // Shielded after the fact: a cancelled token cannot be un-cancelled, so hand out a fresh one.
                    if (node._tokenSource is { IsCancellationRequested: true })
                        node._tokenSource = null;
                }
                else if (newlyCancelled)
                {
                    if (node._tokenSource is { } source)
                        (tokens ??= []).Add(source);
                    for (var parked = node._parkedHead; parked is not null; parked = parked.ScopeNext)
                        parked.TryAbort(new Cancelled(canceller, canceller.ReasonText));
                }
            }
            if ((changed || ReferenceEquals(node, start)) && node._firstChild is not null)
            {
                node = node._firstChild;
                continue;
            }
            while (!ReferenceEquals(node, start) && node._nextSibling is null)
                node = node.Parent!;
            if (ReferenceEquals(node, start))
                return;
            node = node._nextSibling!;
        }
    }

    static void CancelTokens(List<CancellationTokenSource>? tokens)
    {
        if (tokens is null)
            return;
        List<Exception>? errors = null;
        foreach (var source in tokens)
        {
            try
            {
                source.Cancel();
            }
            catch (AggregateException e)
            {
                (errors ??= []).AddRange(e.InnerExceptions);
            }
        }
        if (errors is not null)
            throw new AggregateException("Callbacks registered on a cancel scope's token threw.", errors);
    }

    internal string ReasonText => _reason ?? CancelReasons.Explicit;

    /// <summary>The exception a checkpoint throws in code whose innermost scope is this one, or null when it is not cancelled.</summary>
    internal Cancelled? CancellationHere()
        => EffectiveCanceller is { } canceller ? new Cancelled(canceller, canceller.ReasonText) : null;

    /// <summary>Registers a parked task so that a cancellation wakes it; wakes it at once if the scope is cancelled already.</summary>
    internal void RegisterParked(Parker parker)
    {
        using (new ScopeGate(Gate))
        {
            if (EffectiveCanceller is { } canceller)
            {
                parker.TryAbort(new Cancelled(canceller, canceller.ReasonText));
                return;
            }
            parker.ScopeNext = _parkedHead;
            parker.ScopePrevious = null;
            if (_parkedHead is not null)
                _parkedHead.ScopePrevious = parker;
            _parkedHead = parker;
            parker.Registration = this;
        }
    }

    void IParkRegistration.Unregister(Parker parker)
    {
        using (new ScopeGate(Gate))
        {
            if (parker.ScopePrevious is not null)
                parker.ScopePrevious.ScopeNext = parker.ScopeNext;
            else if (ReferenceEquals(_parkedHead, parker))
                _parkedHead = parker.ScopeNext;
            if (parker.ScopeNext is not null)
                parker.ScopeNext.ScopePrevious = parker.ScopePrevious;
            parker.ScopeNext = parker.ScopePrevious = null;
        }
    }

    void LinkChild(CancelScope child)
    {
        child._nextSibling = _firstChild;
        child._previousSibling = null;
        if (_firstChild is not null)
            _firstChild._previousSibling = child;
        _firstChild = child;
    }

    void UnlinkChild(CancelScope child)
    {
        if (child._previousSibling is not null)
            child._previousSibling._nextSibling = child._nextSibling;
        else
            _firstChild = child._nextSibling;
        if (child._nextSibling is not null)
            child._nextSibling._previousSibling = child._previousSibling;
        child._nextSibling = child._previousSibling = null;
    }

    /// <summary>
    /// Moves this active scope (a task's outermost own scope) under <paramref name="newParent"/>, as
    /// <c>started.Started()</c> does when a task moves from the caller's scope into its nursery.
    /// </summary>
    internal void Reparent(CancelScope newParent)
    {
        List<CancellationTokenSource>? tokens = null;
        using (new ScopeGate(Gate))
            Parent?.UnlinkChild(this);
        using (new ScopeGate(newParent.Gate))
        {
            newParent.LinkChild(this);
            Parent = newParent;
            SetGateOfSubtree(newParent.Gate);
            Refresh(this, ref tokens);
        }
        CancelTokens(tokens);
    }

    void SetGateOfSubtree(Lock? gate)
    {
        Gate = gate;
        for (var child = _firstChild; child is not null; child = child._nextSibling)
            child.SetGateOfSubtree(gate);
    }

    /// <summary>The scopes nested directly in this one, for the task-tree dump.</summary>
    internal IEnumerable<CancelScope> Children()
    {
        for (var child = _firstChild; child is not null; child = child._nextSibling)
            yield return child;
    }

    void ArmTimer()
    {
        if (LoopOwner is { } loop)
        {
            loop.AddTimerDeferred(this, _deadline.Ticks);
            return;
        }
        _offLoopTimer?.Dispose();
        // Clamped: a deadline months away arms for the longest a system timer allows and re-arms when it fires.
        var due = SystemTimerDue.For(_deadline.Ticks);
        _offLoopTimer = TimeProvider.System.CreateTimer(static s => ((ILoopTimer)s!).Fire(), this, due, Timeout.InfiniteTimeSpan);
    }

    void DisarmTimer()
    {
        if (LoopOwner is { } loop)
        {
            loop.RemoveTimer(this);
            return;
        }
        _offLoopTimer?.Dispose();
        _offLoopTimer = null;
    }

    ref TimerSlot ILoopTimer.Slot => ref _timerSlot;

    void ILoopTimer.Fire()
    {
        // A system timer's callback may still run after the scope was left: an exited scope never fires.
        if (Volatile.Read(ref _state) != Active)
            return;
        var deadline = _deadline;
        if (LoopOwner is null && deadline.Ticks > Time.NowTicksFor(null))
        {
            // A system timer may fire a little early against the monotonic clock: never cancel before the deadline.
            using (new ScopeGate(Gate))
            {
                if (_state == Active && _deadline == deadline)
                    ArmTimer();
            }
            return;
        }
        RequestCancel(CancelReasons.Deadline(deadline), byDeadline: true);
    }

    static long SaturatingAdd(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;
}
