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
public sealed partial class CancelScope : IParkRegistration, ILoopTimer, IResumeCheck, IFlowScope
{
    const byte Unentered = 0, Active = 1, Exited = 2;

    // OperationCanceledExceptions that carry one of our tokens, recognized on their way out of a scope.
    static readonly ConditionalWeakTable<Exception, object> s_ownTokenCancellations = [];

    // The innermost scope of the running logical flow is TaskInfo.FlowValue (docs/decisions/0007), an AsyncLocal that
    // off the loop also names the task (the scope's Owner). The scope stack belongs to the flow, not to the task: two
    // scope bodies awaited together (Task.WhenAll) each see their own scope, and the code that started them still sees
    // the scope it is in. A child task's flow replaces its spawner's value with the child task; a flow whose scope
    // belongs to another task ignores it in favour of its own root scope, task.CancelState.

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
    // Bytes, not ints (Interlocked works on bytes): with the three bools they fit in the 8 bytes after the timer slot,
    // one word less per scope than two ints (docs/performance.md, "The thread-pool path").
    byte _state;
    byte _cancelRequested;
    // The reason, first one wins; s_deadlineReasonUnbuilt while it is a fired deadline's text not read yet (ReasonText).
    string? _reason;
    bool _cancelledByDeadline;
    bool _cancelledCaught;
    // The token source, nursery link, CancelWhen links, callback errors: made on first use.
    ScopeRareParts? _rare;
    Lock? _gate;
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

    /// <summary>The lock of the scope tree off the loop (shared by the whole tree); null on the loop.</summary>
    /// <remarks>A field of its own, not a rare part: every scope off the loop has one (docs/performance.md, "The thread-pool path").</remarks>
    internal Lock? Gate
    {
        get => Volatile.Read(ref _gate);
        private set => Volatile.Write(ref _gate, value);
    }

    /// <summary>The nursery this scope belongs to, when it is a nursery's scope.</summary>
    internal Nursery? Nursery
    {
        get => Volatile.Read(ref _rare)?.Nursery;
        set => Rare.Nursery = value;
    }

    /// <summary>The rarely used parts, made on first use (from any thread).</summary>
    ScopeRareParts Rare => LazyInitializer.EnsureInitialized(ref _rare, static () => new ScopeRareParts());

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
            return DeadlineOwnerFrom(scope)?._deadline ?? TimeSpan.MaxValue;
        }
    }

    /// <summary>
    /// The scope whose deadline is <see cref="CurrentEffectiveDeadline"/> (the innermost of the earliest, up to the nearest
    /// shield), or null when none has a deadline: Structured.AspNetCore ends a call as that scope's deadline.
    /// </summary>
    internal static CancelScope? CurrentDeadlineOwner
    {
        get
        {
            var scope = Current;
            if (scope is null)
                return null;
            using var gate = new ScopeGate(scope.Gate);
            return DeadlineOwnerFrom(scope);
        }
    }

    // The walk of both: the caller holds the gate, so that a parent link cannot move under it.
    static CancelScope? DeadlineOwnerFrom(CancelScope scope)
    {
        CancelScope? owner = null;
        var earliest = TimeSpan.MaxValue;
        for (var s = scope; s is not null; s = s.Parent)
        {
            if (s._deadline < earliest)
                (earliest, owner) = (s._deadline, s);
            if (s._shield)
                break;
        }
        return owner;
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

    /// <summary>Whether the scope caught a cancellation at its exit (it was the outermost cancelled scope around it).</summary>
    public bool CancelledCaught => Volatile.Read(ref _cancelledCaught);

    /// <summary>Whether the cancellation that won was a deadline's (its own, or one a package ended as a deadline): what <c>FailAfter</c> turns into a <see cref="TimeoutException"/>.</summary>
    internal bool CancelledByDeadline => Volatile.Read(ref _cancelledByDeadline);

    /// <summary>Why the scope was cancelled ("deadline ... passed", the text given to <see cref="Cancel(string?)"/>, ...), or null while it is not.</summary>
    public string? CancelReason => CancelCalled ? ReasonText : null;

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
        PendingCancellation tokens = default;
        using (new ScopeGate(Gate))
        {
            if (_shield == value)
                return;
            Volatile.Write(ref _shield, value);
            if (_state == Active)
                Refresh(this, ref tokens);
        }
        CancelTokens(ref tokens);
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
        // Outside any task, off the loop, the same through an implicit task of which this scope is the root.
        // Outside any task on a loop's thread (a Loop.Post callback), or with the flow suppressed, the slow path makes
        // the task inside an async method, so that the caller's context keeps no trace of it.
        ExecutionContext? callerContext;
        if (TaskInfo.CurrentOrNull is not { } task)
        {
            if (Loop.Current is not null || (callerContext = ExecutionContext.Capture()) is null)
                return RunSlowAsync(null, body, bodyTask: null);
            task = NewImplicitRoot();
            EnterAsRoot(task);
        }
        else
        {
            // Entering makes this scope the flow's current one (an AsyncLocal, so a copy-on-write of the execution
            // context); the caller's context is put back before returning, as an async method's builder would.
            callerContext = ExecutionContext.Capture();
            Enter(task);
        }
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

    // Outside any task off the loop: the implicit task that the scope is the root of, made current in this flow. The
    // flow finds the scope as the task's root (task.CancelState), as a child task finds its nursery's: one AsyncLocal
    // write (the task) instead of two, and no list of top-level scopes with its lock. A plain task, as a request's root
    // is: it runs no function of its own, so it needs no NurseryTask's fields.
    static TaskInfo NewImplicitRoot()
    {
        var task = new TaskInfo("(root)", loop: null);
        TaskInfo.SetOffLoopCurrent(task);
        return task;
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
            LeaveFlowInPlace(); // the flow of the execution context is suppressed: nothing to restore
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
        // Outside any task off the loop the scope is the root of an implicit task, as in RunAsync(Func<Task>); this
        // async method's builder puts the caller's context back.
        var task = TaskInfo.CurrentOrNull;
        bool asRoot = task is null && Loop.Current is null;
        task ??= asRoot ? NewImplicitRoot() : TaskRuntime.EnsureTask();
        // On a loop, a scope whose body is running keeps Loop.Run running (a forgotten await must not abandon it).
        var loop = task.Loop;
        loop?.OpenRegion();
        try
        {
            EnterCore(task, asRoot);
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

    static InvalidOperationException NullBody()
        => NullTask.Returned("The body given to CancelScope.RunAsync");

    static void Rethrow(Exception? remaining, Exception? original)
    {
        if (remaining is null)
            return;
        if (ReferenceEquals(remaining, original))
            ExceptionDispatchInfo.Throw(remaining);
        throw remaining;
    }
}
