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

    // The innermost scope of the running logical flow (docs/decisions/0007). The scope stack belongs to the flow,
    // not to the task: two scope bodies awaited together (Task.WhenAll) each see their own scope, and the code
    // that started them still sees the scope it is in. A child task's flow inherits its spawner's value, which
    // it ignores (the scope's Owner is another task) in favour of its own root scope, task.CancelState.
    static readonly AsyncLocal<CancelScope?> s_flowScope = new();

    TimeSpan _deadline;
    long _relativeTicks = -1;
    bool _shield;
    int _state;
    int _cancelRequested;
    string? _reason;
    bool _cancelledByDeadline;
    bool _cancelledCaught;
    CancellationTokenSource? _tokenSource;
    // What token callbacks threw when this scope's deadline fired, for the scope's exit to propagate.
    Exception? _callbackError;
    // The registrations of CancelWhen, disposed at exit.
    CancellationTokenRegistration[]? _linkedTokens;
    TimerSlot _timerSlot;
    ITimer? _offLoopTimer;

    // The tree, valid while the scope is active. Guarded by Gate off the loop; loop thread only on the loop.
    CancelScope? _firstChild, _nextSibling, _previousSibling;
    Parker? _parkedHead;

    /// <summary>Creates a scope, not yet entered.</summary>
    /// <param name="deadline">An absolute deadline on the clock of the code that enters the scope (<see cref="Time.Now"/>); null, <see cref="TimeSpan.MaxValue"/> or <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <param name="shield">Whether the scope keeps outer cancellation out.</param>
    public CancelScope(TimeSpan? deadline = null, bool shield = false)
    {
        _deadline = NoDeadlineIfInfinite(deadline ?? TimeSpan.MaxValue);
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
    public static CancelScope? Current => TaskInfo.CurrentOrNull is { } task ? CurrentIn(task) : null;

    /// <summary>
    /// The innermost active scope of <paramref name="task"/> in the running flow: the flow's own scope, or the
    /// task's root scope (its nursery's scope) when the flow has entered none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static CancelScope? CurrentIn(TaskInfo task)
    {
        var scope = s_flowScope.Value;
        if (scope is null || !ReferenceEquals(scope.Owner, task))
            return task.CancelState as CancelScope;
        return scope.IsActive ? scope : OuterActiveIn(task, scope);
    }

    /// <summary>Makes <paramref name="scope"/> the innermost scope of the running flow (for code run in another flow's context on its behalf).</summary>
    internal static void EnterFlow(CancelScope? scope) => s_flowScope.Value = scope;

    // A flow that outlived its scope (a body left running when an enclosing scope was exited, see Exit): it runs in
    // the nearest scope of its task that is still active.
    static CancelScope? OuterActiveIn(TaskInfo task, CancelScope scope)
    {
        for (var s = scope.Parent; s is not null && ReferenceEquals(s.Owner, task); s = s.Parent)
        {
            if (s.IsActive)
                return s;
        }
        return task.CancelState as CancelScope;
    }

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
    /// for none. Setting it takes effect at once: a deadline in the past cancels the scope. Setting
    /// <see cref="Timeout.InfiniteTimeSpan"/> removes the deadline, as <see cref="TimeSpan.MaxValue"/> does.
    /// </summary>
    /// <remarks>For a scope from <see cref="MoveOnAfter"/> that is not entered yet, reading gives "now + duration".</remarks>
    public TimeSpan Deadline
    {
        get
        {
            long relative = Volatile.Read(ref _relativeTicks);
            return relative >= 0 ? new TimeSpan(SaturatingAdd(Time.NowTicksFor(LoopOwner ?? Loop.Current), relative)) : _deadline;
        }
        set => SetDeadline(NoDeadlineIfInfinite(value));
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
            RequestCancel(reason, byDeadline: false);
            return this;
        }
        var registration = cancellationToken.UnsafeRegister(static (state, _) =>
        {
            var (scope, why) = ((CancelScope, string))state!;
            scope.RequestCancel(why, byDeadline: false);
        }, (this, reason));
        // Copy on write: CancelWhen may race with itself and with the exit, from any thread.
        while (true)
        {
            var links = Volatile.Read(ref _linkedTokens);
            CancellationTokenRegistration[] grown = links is null ? [registration] : [.. links, registration];
            if (Interlocked.CompareExchange(ref _linkedTokens, grown, links) == links)
                break;
        }
        return this;
    }

    void UnlinkTokens()
    {
        foreach (var registration in Interlocked.Exchange(ref _linkedTokens, null) ?? [])
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

    /// <summary>A scope with the absolute <paramref name="deadline"/> (Trio's <c>move_on_at</c>); <see cref="Timeout.InfiniteTimeSpan"/> or <see cref="TimeSpan.MaxValue"/> for none.</summary>
    public static CancelScope MoveOnAt(TimeSpan deadline) => new(deadline);

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
        var parent = CurrentIn(task);
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
            if (parent is null)
                TopLevelScopes.Of(task).Add(this);
            if (!expired && _deadline != TimeSpan.MaxValue && _cancelRequested == 0)
                ArmTimer();
        }
        s_flowScope.Value = this;
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
        List<CancelScope>? abandoned = null;
        using (new ScopeGate(Gate))
        {
            catcher = ReferenceEquals(EffectiveCanceller, this);
            DisarmTimer();
            if (_firstChild is not null)
                abandoned = AbandonInnerScopes();
            if (Parent is not null)
                Parent.UnlinkChild(this);
            else
                TopLevelScopes.Of(task).Remove(this);
            Volatile.Write(ref _state, Exited);
        }
        if (_linkedTokens is not null)
            UnlinkTokens();
        if (_callbackError is not null && Interlocked.Exchange(ref _callbackError, null) is { } callbackError)
            error = error is null ? callbackError : new AggregateException(error, callbackError);
        if (abandoned is not null)
            error = StackCorrupted(task, abandoned, error);
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

    /// <summary>
    /// Scopes still active inside this one as it exits (Trio's "cancel scope stack corrupted"): a scope body or a
    /// nursery that another flow of the task started inside this scope and did not await. They move under this
    /// scope's parent, so the tree stays whole, and are cancelled, so the abandoned flow stops at its next
    /// checkpoint. Caller holds the gate.
    /// </summary>
    List<CancelScope> AbandonInnerScopes()
    {
        var abandoned = new List<CancelScope>();
        while (_firstChild is { } inner)
        {
            UnlinkChild(inner);
            inner.Parent = Parent;
            if (Parent is not null)
                Parent.LinkChild(inner);
            else if (inner.Owner is { } owner)
                TopLevelScopes.Of(owner).Add(inner);
            abandoned.Add(inner);
        }
        return abandoned;
    }

    InvalidOperationException StackCorrupted(TaskInfo task, List<CancelScope> abandoned, Exception? error)
    {
        foreach (var inner in abandoned)
            inner.RequestCancel(CancelReasons.Abandoned, byDeadline: false);
        var message = $"Cancel scope stack corrupted: the {this} of task '{task.Name}' exited while the {abandoned[0]} opened "
            + "inside it was still running (a CancelScope.RunAsync or Nursery.RunAsync whose Task was not awaited before the "
            + "enclosing scope ended). The inner scope was cancelled. Await every scope and nursery inside the scope that "
            + "encloses it: Task.WhenAll inside the body, not around it; to run work concurrently, start it in a nursery.";
        return error is null ? new InvalidOperationException(message) : new InvalidOperationException(message, error);
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

    void LinkChild(CancelScope child) => LinkFirst(ref _firstChild, child);

    void UnlinkChild(CancelScope child) => Unlink(ref _firstChild, child);

    /// <summary>Puts <paramref name="scope"/> first in the sibling list that starts at <paramref name="head"/>.</summary>
    internal static void LinkFirst(ref CancelScope? head, CancelScope scope)
    {
        scope._nextSibling = head;
        scope._previousSibling = null;
        if (head is not null)
            head._previousSibling = scope;
        head = scope;
    }

    /// <summary>Takes <paramref name="scope"/> out of the sibling list that starts at <paramref name="head"/>.</summary>
    internal static void Unlink(ref CancelScope? head, CancelScope scope)
    {
        if (scope._previousSibling is not null)
            scope._previousSibling._nextSibling = scope._nextSibling;
        else if (ReferenceEquals(head, scope))
            head = scope._nextSibling;
        if (scope._nextSibling is not null)
            scope._nextSibling._previousSibling = scope._previousSibling;
        scope._nextSibling = scope._previousSibling = null;
    }

    /// <summary>The next scope in the sibling list this scope is in.</summary>
    internal CancelScope? NextSibling => _nextSibling;

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
        try
        {
            RequestCancel(CancelReasons.Deadline(deadline), byDeadline: true);
        }
        catch (Exception e)
        {
            // A callback on a token of this scope's subtree threw as the deadline fired. Nobody called us to hand it
            // to (a timer did): it reaches the task that entered the scope, as an error at the scope's exit.
            NoteCallbackError(e);
        }
    }

    void NoteCallbackError(Exception error)
    {
        while (true)
        {
            var previous = Volatile.Read(ref _callbackError);
            var combined = previous is null ? error : new AggregateException(previous, error);
            if (Interlocked.CompareExchange(ref _callbackError, combined, previous) == previous)
                return;
        }
    }

    static long SaturatingAdd(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;
}
