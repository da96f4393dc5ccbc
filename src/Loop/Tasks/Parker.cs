using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;

namespace Structured;

/// <summary>
/// The one place a task blocks (Trio's <c>wait_task_rescheduled</c> / <c>reschedule</c>): a reusable
/// <see cref="IValueTaskSource"/> that a task awaits while parked, and that exactly one waker completes.
/// </summary>
/// <remarks>
/// <para>Each task owns one parker and reuses it for every blocking operation, so blocking allocates
/// nothing. A task that awaits two operations at once (not structured, but legal) rents a fresh one.</para>
/// <para>Thread-safety: <see cref="TryWake(Exception?)"/> may race from any thread (a hand-off, a
/// cancellation, a timer); the compare-and-swap on <c>_state</c> lets exactly one of them win. The state word
/// also holds the park's version, so a late waker of an earlier park (a system timer firing after its sleep
/// was cancelled) can never wake a later one. The continuation goes to the task's own scheduler: the loop's
/// ready queue for a loop task, the thread pool otherwise.</para>
/// <para>A loop task's own parker is also its SynchronizationContext (Parker+SynchronizationContext.cs).</para>
/// </remarks>
internal sealed partial class Parker : SynchronizationContext, IValueTaskSource, ILoopTimer
{
    // _state = (version << 2) | phase; the version is the ValueTask token of the current park.
    // Waking: a waker won and is writing the outcome (and, for an abort, taking the parker out of its wait queue);
    // the task cannot resume yet.
    const int Idle = 0, Parked = 1, Woken = 2, Waking = 3, PhaseMask = 3;

    static readonly Action<object?> s_completed = static _ => { };

    // Layout (docs/performance.md, issue 13: every parked task holds one parker): the fields of every park, of the
    // scope's parked list, of a checkpoint (the resume check) and of a loop sleep (the timer slot) are inline. A wait
    // in a primitive's queue (Event, lock, semaphore; not channels, which queue their own ChannelWaiter) keeps its
    // links in _links, and what few parks use (an explicit token's registration, a flowed execution context) is in
    // _rare; each is made on first use and kept. _rented is a byte so that the state words and the two flags share
    // 8 bytes.
    // Fixed for a task's own parker, except the loop's spare (Loop.LendSpareParker): lent to each new task for its first
    // step, it names that task while lent and the loop's detached task otherwise.
    internal TaskInfo Task;
    int _state;
    // 1 from RentParker until the park's result was read: two flows of a task never share a park.
    byte _rented;
    bool _wakeWhenAwaited;
    // The error was made for this wake and never thrown: GetResult throws it as is, without capturing a dispatch state.
    bool _errorUnthrown;
    IResumeCheck? _resumeCheck;
    Exception? _error;
    Action<object?>? _continuation;
    object? _continuationState;
    ParkerRareParts? _rare;

    /// <summary>What the task waits on, while parked; read by the task-tree dump.</summary>
    internal IParkWaiter? Waiter;

    /// <summary>The cancel scope the parked task is registered with, if any.</summary>
    internal IParkRegistration? Registration;

    // The queue links and payload of a wait in a primitive's queue, made on the first such wait.
    ParkerWaitLinks? _links;

    /// <summary>Intrusive links in the parked list of the task's innermost cancel scope (O(1) removal).</summary>
    internal Parker? ScopeNext, ScopePrevious;

    TimerSlot _timerSlot;

    internal Parker(TaskInfo task) => Task = task;

    /// <summary>A fresh parker, rented already (for a flow that found the task's own parker in use).</summary>
    internal static Parker Rented(TaskInfo task) => new(task) { _rented = 1 };

    /// <summary>
    /// The links of a wait in a primitive's queue, made on the parker's first such wait (by the thread that enqueues
    /// it, under the primitive's lock) and kept.
    /// </summary>
    internal ParkerWaitLinks Links => LazyInitializer.EnsureInitialized(ref _links, static () => new ParkerWaitLinks());

    /// <summary>The links if the parker ever waited in a primitive's queue, else null; makes nothing.</summary>
    internal ParkerWaitLinks? LinksOrNull => Volatile.Read(ref _links);

    /// <summary>The wait queue the parker is in, or null; may be read without the primitive's lock.</summary>
    internal object? Queue => Volatile.Read(ref _links) is { } links ? Volatile.Read(ref links.Queue) : null;

    /// <summary>Free for the primitive that parked, such as a capacity limiter's borrower or an off-loop sleep's timer; cleared when the park ends.</summary>
    internal object? Payload
    {
        get => Volatile.Read(ref _links)?.Payload;
        set
        {
            if (value is not null || Volatile.Read(ref _links) is not null)
                Links.Payload = value;
        }
    }

    /// <summary>The rarely used parts, made on first use; only the flow that rented the parker makes them.</summary>
    ParkerRareParts Rare => LazyInitializer.EnsureInitialized(ref _rare, static () => new ParkerRareParts());

    /// <summary>
    /// Keeps an explicit CancellationToken's registration for this wait, undone when the task resumes. Called by
    /// the flow that parked, before its await can see the park complete.
    /// </summary>
    internal void SetTokenRegistration(CancellationTokenRegistration registration)
        => Rare.TokenRegistration = registration;

    /// <summary>Rents the parker for one blocking operation; false when another flow of the task holds it.</summary>
    internal bool TryRent()
    {
        // On the loop one thread rents, and a plain check suffices; off the loop flows of a task race on threads.
        if (Task.Loop is not null)
        {
            if (_rented != 0)
                return false;
            _rented = 1;
            return true;
        }
        return Interlocked.CompareExchange(ref _rented, (byte)1, (byte)0) == 0;
    }

    /// <summary>A parked sleeper is its own timer: when it is due, it wakes.</summary>
    ref TimerSlot ILoopTimer.Slot => ref _timerSlot;

    void ILoopTimer.Fire() => TryWake();

    short CurrentVersion => (short)(Volatile.Read(ref _state) >> 2);

    int Phase => Volatile.Read(ref _state) & PhaseMask;

    bool IsIdle => Phase == Idle;

    internal bool IsParked => Phase == Parked;

    /// <summary>Whether nothing holds the parker: idle, not rented, no continuation, nothing kept for a wait.</summary>
    internal bool IsFree => IsIdle && Volatile.Read(ref _rented) == 0 && _continuation is null && Registration is null;

    void SetPhase(int phase) => Volatile.Write(ref _state, (_state & ~PhaseMask) | phase);

    /// <summary>Parks the task: the returned ValueTask completes when someone calls <see cref="TryWake(Exception?)"/>.</summary>
    internal ValueTask Park(IParkWaiter? waiter)
    {
        Debug.Assert(IsIdle, "a parker is parked by one operation at a time");
        Waiter = waiter;
        Task.OnParked();
        SetPhase(Parked);
        return new ValueTask(this, CurrentVersion);
    }

    /// <summary>
    /// Parks and wakes at once, once the continuation is known: a schedule point. The task goes to the back of
    /// the ready queue. With <paramref name="resumeCheck"/>, the task asks it on resuming whether something
    /// happened meanwhile (a cancellation that arrived while it waited its turn, as Trio's checkpoint sees it).
    /// </summary>
    internal ValueTask Yield(IResumeCheck? resumeCheck = null)
    {
        Debug.Assert(IsIdle, "a parker is parked by one operation at a time");
        _wakeWhenAwaited = true;
        _resumeCheck = resumeCheck;
        SetPhase(Parked);
        return new ValueTask(this, CurrentVersion);
    }

    /// <summary>Wakes the task with success (<paramref name="error"/> null) or with an error. False when another waker won.</summary>
    internal bool TryWake(Exception? error = null)
    {
        int state = Volatile.Read(ref _state);
        return (state & PhaseMask) == Parked && TryWakeState(state, error);
    }

    /// <summary>Wakes the task only if it is still in the park numbered <paramref name="version"/> (<see cref="Version"/>).</summary>
    internal bool TryWake(short version, Exception? error = null)
        => TryWakeState((ushort)version << 2 | Parked, error);

    bool TryWakeState(int parkedState, Exception? error, bool abort = false, bool unthrown = false)
    {
        // Won in two steps: the CAS to the transitional phase picks the one waker, then the outcome is written, and
        // only then does the phase say Woken. A task checking IsCompleted on another thread must never see Woken
        // with the outcome not yet written (it would take an error, say the end of a channel, for a success).
        int woken = (parkedState & ~PhaseMask) | Woken;
        if (Interlocked.CompareExchange(ref _state, (parkedState & ~PhaseMask) | Waking, parkedState) != parkedState)
            return false;
        // Both are clear while parked (GetResult clears them): a success, the usual wake, writes neither.
        if (error is not null)
        {
            _error = error;
            _errorUnthrown = unthrown;
        }
        try
        {
            // An abort takes the task out of its wait queue before it can resume: once resumed (off the loop, at once
            // on another thread) it may park again, even in the same queue, and a late Abort would drop that new wait.
            if (abort)
                Waiter?.Abort(this);
        }
        finally
        {
            Volatile.Write(ref _state, woken);
        }
        // Usually the task awaited before anyone woke it: its continuation is in the slot, which then does not change
        // again in this park, so it is read without an interlocked operation (one less per hand-off, W2). Else the
        // slot is claimed for "completed" against an OnCompleted racing on another thread.
        var continuation = Volatile.Read(ref _continuation) ?? Interlocked.CompareExchange(ref _continuation, s_completed, null);
        if (continuation is not null)
            Schedule(continuation, _continuationState);
        return true;
    }

    /// <summary>Identifies the current park: a late waker compares it to avoid waking a later operation.</summary>
    internal short Version => CurrentVersion;

    /// <summary>Like <see cref="TryAbort(Exception)"/>, but only if the task is still in the park numbered <paramref name="version"/>.</summary>
    /// <param name="version">The park to abort.</param>
    /// <param name="error">What the task's await throws.</param>
    /// <param name="unthrown">Whether <paramref name="error"/> is new and never thrown (a cancellation made for this wake): then it is thrown as is, which saves an <see cref="ExceptionDispatchInfo"/> per woken task (W6).</param>
    internal bool TryAbort(short version, Exception error, bool unthrown = false)
        => TryWakeState((ushort)version << 2 | Parked, error, abort: true, unthrown);

    /// <summary>
    /// Wakes the task with <paramref name="error"/> and tells its wait queue to drop it (a cancellation or a
    /// timeout). The queue's <see cref="IParkWaiter.Abort"/> runs before the task can resume.
    /// </summary>
    internal bool TryAbort(Exception error)
    {
        int state = Volatile.Read(ref _state);
        return (state & PhaseMask) == Parked && TryWakeState(state, error, abort: true);
    }

    /// <summary>As <see cref="TryAbort(Exception)"/>, with an <paramref name="error"/> made for this wake and never thrown: the await throws it as is.</summary>
    internal bool TryAbortUnthrown(Exception error)
    {
        int state = Volatile.Read(ref _state);
        return (state & PhaseMask) == Parked && TryWakeState(state, error, abort: true, unthrown: true);
    }

    /// <summary>Runs the continuation on the task's scheduler: its loop, or the thread pool.</summary>
    void Schedule(Action<object?> continuation, object? state)
        => Task.ScheduleContinuation(continuation, state, Volatile.Read(ref _rare)?.ExecutionContext);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token)
    {
        ValidateToken(token);
        // Complete only once the waker is done with this park: it says Woken first and looks at the continuation slot
        // after. A task that saw Woken before that could finish the park and park again, and the late waker would
        // then plant "completed" in (or take the continuation of) the next park, which would end at once, unwoken:
        // a send that says it sent an item it never handed over (the 4x4 off-loop run lost one item this way). An
        // empty slot is that moment; a slot with "completed" is the waker's mark; a slot with the continuation means
        // the task awaited already, and only its resumption, which the waker schedules, reads the status then.
        if (Phase != Woken || Volatile.Read(ref _continuation) is null)
            return ValueTaskSourceStatus.Pending;
        return _error switch
        {
            null => ValueTaskSourceStatus.Succeeded,
            OperationCanceledException => ValueTaskSourceStatus.Canceled,
            _ => ValueTaskSourceStatus.Faulted,
        };
    }

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        ValidateToken(token);
        // Loop tasks always resume on their loop (their own SynchronizationContext); the flag only matters
        // for the execution context, which async methods restore themselves (they pass no flag).
        if ((flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0)
            Rare.ExecutionContext = ExecutionContext.Capture();
        _continuationState = state;
        if (Interlocked.CompareExchange(ref _continuation, continuation, null) is not null)
        {
            // Woken between the awaiter's IsCompleted check and this call.
            Schedule(continuation, state);
            return;
        }
        if (_wakeWhenAwaited)
        {
            _wakeWhenAwaited = false;
            TryWake();
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        ValidateToken(token);
        var error = _error;
        bool unthrown = _errorUnthrown;
        _errorUnthrown = false;
        var resumeCheck = _resumeCheck;
        _resumeCheck = null;
        var registration = Registration;
        Registration = null;
        registration?.Unregister(this);
        if (_rare is { } rare)
        {
            rare.TokenRegistration.Unregister();
            rare.TokenRegistration = default;
            rare.ExecutionContext = null;
        }
        Waiter = null;
        if (_links is { } links)
            links.Payload = null;
        _error = null;
        _continuation = null;
        _continuationState = null;
        // Next version, phase Idle: from here on, wakers of the finished park miss.
        Volatile.Write(ref _state, (int)((uint)((_state >> 2) + 1) & 0xFFFF) << 2 | Idle);
        Volatile.Write(ref _rented, (byte)0);
        if (error is not null && unthrown)
            throw error;
        error ??= resumeCheck?.CheckOnResume();
        if (error is not null)
            ExceptionDispatchInfo.Throw(error);
    }

    void ValidateToken(short token)
    {
        if (token != CurrentVersion)
            throw new InvalidOperationException("This ValueTask of Structured was awaited twice or after it completed; a ValueTask may be awaited once (use AsTask() to await it again).");
    }
}
