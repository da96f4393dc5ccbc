using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text;

namespace Structured;

/// <summary>
/// A nursery (Trio's <c>open_nursery</c>, asyncio's <c>TaskGroup</c>, Kotlin's <c>coroutineScope</c>): the
/// only place a task can be started, and a promise that it ends before the nursery does.
/// </summary>
/// <remarks>
/// <para><see cref="RunAsync(Func{Nursery, Task})"/> runs the body, then waits for every child. A child that
/// throws cancels the nursery's <see cref="CancelScope"/>: the body and the siblings see
/// <see cref="Cancelled"/> at their next checkpoint. Then the nursery throws one
/// <see cref="AggregateException"/> holding every error, in the order they happened; cancellations the
/// nursery caused itself are dropped. A nursery cancelled from outside that ends with cancellations only
/// rethrows an <see cref="OperationCanceledException"/>, so the outer scope catches it.</para>
/// <para>Children start on the scheduler that was current when the nursery opened: the loop, or the thread pool.</para>
/// </remarks>
/// <example>
/// <code>
/// await Nursery.RunAsync(async nursery =>
/// {
///     nursery.StartSoon(() => FetchAsync("a"), "fetch a");
///     nursery.StartSoon(() => FetchAsync("b"), "fetch b");
/// }); // both fetches are done here, or both were cancelled and the error comes out
/// </code>
/// </example>
[DebuggerDisplay("{ToString(),nq}")]
public sealed partial class Nursery : IParkWaiter
{
    readonly CancelScope _scope;
    NurseryTask? _firstChild, _lastChild;
    int _live;
    int _pendingStarts;
    bool _bodyDone;
    volatile bool _closed;
    // Who waits for the last child: the parent's parker, or this nursery itself for a join off the loop (Nursery+OffLoop.cs).
    object? _waiting;

    Nursery()
        : this(new CancelScope())
    {
    }

    // With the scope of its own that the caller made (and enters): Nursery+OwnScope.cs.
    Nursery(CancelScope scope)
    {
        _scope = scope;
        scope.Nursery = this;
    }

    // The task that opened the nursery: its scope's owner, which entered it (no field of its own: a nursery per request).
    TaskInfo OwnerTask => _scope.Owner!;

    // The errors, the activity and the quiet-end test, which few nurseries have: one object made on first use (set
    // before the nursery is shared, or under the scope's gate for the errors), so that a request's fan-out stays small.
    NurseryRareParts? _rare;

    /// <summary>The nursery's own cancel scope: cancel it to cancel the body and every child.</summary>
    public CancelScope CancelScope => _scope;

    /// <summary>The children that are running now (a snapshot).</summary>
    public IReadOnlyList<TaskInfo> Children
    {
        get
        {
            using var gate = new ScopeGate(_scope.Gate);
            var list = new List<TaskInfo>(_live);
            for (var child = _firstChild; child is not null; child = child.NextSibling)
                list.Add(child);
            return list;
        }
    }

    /// <summary>The nursery's activity while a tracing listener sampled it, else null (docs/observability.md).</summary>
    internal Activity? Activity
    {
        get => _rare?.Activity;
        private init
        {
            if (value is not null)
                (_rare ??= new()).Activity = value;
        }
    }

    /// <summary>Whether the nursery has finished and takes no more children.</summary>
    public bool IsClosed => _closed;

    /// <summary>
    /// Opens a nursery, runs <paramref name="body"/> in it, and returns once the body and every child it
    /// started have finished.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="AggregateException">The body or children failed: every error, in the order they happened.</exception>
    /// <exception cref="OperationCanceledException">An outer scope cancelled the nursery and nothing else went wrong.</exception>
    public static Task RunAsync(Func<Nursery, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        // Off the loop inside a task (a request handler, a child on the pool), the cheap way: Nursery+OffLoop.cs.
        return TryRunOffLoop(body) ?? RunInRegionAsync(body);
    }

    // On a loop, or outside any task (the implicit root task is made here, inside an async method, so that the caller
    // keeps no trace of it), or with a tracing listener (the nursery's activity is current in this frame's flow).
    static async Task RunInRegionAsync(Func<Nursery, Task> body)
    {
        var task = TaskRuntime.EnsureTask();
        // On a loop, an open nursery keeps Loop.Run running (a forgotten await must not abandon it) and its
        // error, if nobody can await it any more, reaches Loop.Run.
        var loop = task.Loop;
        loop?.OpenRegion();
        try
        {
            await RunCoreAsync(task, body);
        }
        catch (Exception e) when (loop is not null && loop.NoteRegionError(task, e))
        {
        }
        finally
        {
            loop?.CloseRegion();
        }
    }

    static async Task RunCoreAsync(TaskInfo task, Func<Nursery, Task> body)
    {
        var nursery = new Nursery { Activity = NurseryTelemetry.NurseryOpening(task) };
        nursery._scope.Enter(task);
        Exception? bodyError = null;
        Task? bodyTask = null;
        try
        {
            bodyTask = body(nursery) ?? throw NullTask.Returned("The body given to Nursery.RunAsync");
        }
        catch (Exception e)
        {
            bodyError = e;
        }
        if (bodyTask is not null)
        {
            // Not a plain await: a cancelled body would throw again here only for us to catch it.
            await bodyTask.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
            bodyError = TaskErrors.ErrorOf(bodyTask);
        }
        if (bodyError is not null)
            nursery.AddError(bodyError, task, " (nursery body)");
        await nursery.WaitForChildrenAsync(task);
        var error = nursery.Close(task);
        NurseryTelemetry.NurseryClosed(nursery.Activity, error);
        if (error is not null)
            ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>
    /// Opens a nursery that is also cancelled when <paramref name="cancellationToken"/> is (a host's stopping token, a
    /// request's abort token), runs <paramref name="body"/> in it and waits for every child. The nursery's scope
    /// catches that cancellation: the call then returns normally, with <c>nursery.CancelScope.CancelledCaught</c> true.
    /// </summary>
    /// <param name="body">The nursery's body.</param>
    /// <param name="cancellationToken">A token from outside; its cancellation cancels the body and every child, with a reason that names it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="AggregateException">The body or children failed: every error, in the order they happened.</exception>
    /// <exception cref="OperationCanceledException">An outer scope cancelled the nursery and nothing else went wrong.</exception>
    public static Task RunAsync(Func<Nursery, Task> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync(nursery =>
        {
            nursery._scope.CancelWhen(cancellationToken, CancelReasons.Token("Nursery.RunAsync"));
            return body(nursery);
        });
    }

    /// <summary>Opens a nursery, runs <paramref name="body"/> in it, waits for every child, and returns the body's value.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="AggregateException">The body or children failed: every error, in the order they happened.</exception>
    /// <exception cref="OperationCanceledException">An outer scope cancelled the nursery and nothing else went wrong.</exception>
    public static async Task<T> RunAsync<T>(Func<Nursery, Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        T result = default!;
        await RunAsync(async nursery => { result = await body(nursery); });
        return result;
    }

    /// <summary>
    /// Starts <paramref name="function"/> as a child task (Trio's <c>start_soon</c>). It begins once the
    /// spawning task next yields; children start in spawn order under FIFO.
    /// </summary>
    /// <param name="function">The child's code.</param>
    /// <param name="name">The task's name for <see cref="TaskInfo.Name"/> and the task tree; defaults to the function's name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The nursery has finished, or this is not the nursery's loop thread.</exception>
    public void StartSoon(Func<Task> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        Spawn(function, name, function);
    }

    /// <summary>
    /// Starts <paramref name="function"/> as a child task and hands it a token that is cancelled exactly when
    /// the child is, for .NET APIs; a cancellation raised with that token counts as the nursery's own.
    /// </summary>
    /// <param name="function">The child's code; it receives the nursery's token.</param>
    /// <param name="name">The task's name; defaults to the function's name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The nursery has finished, or this is not the nursery's loop thread.</exception>
    public void StartSoon(Func<CancellationToken, Task> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        Spawn(function, name, function);
    }

    /// <summary>
    /// Starts <paramref name="function"/> and returns once it calls <see cref="IStarted.Started"/> (Trio's
    /// <c>nursery.start</c>). Until then the child runs under the caller's cancel scope; afterwards it
    /// belongs to this nursery.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The nursery has finished, or the child returned without calling <c>Started</c>.</exception>
    /// <remarks>An error the child throws before <c>Started</c> comes out of this call as itself; the nursery is untouched.</remarks>
    public Task StartAsync(Func<IStarted, Task> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return StartCore<object?>(handle => function(handle), name, function);
    }

    /// <summary>
    /// Starts <paramref name="function"/> and returns the value it passes to <see cref="IStarted{T}.Started"/>
    /// (Trio's <c>nursery.start</c>). Until then the child runs under the caller's cancel scope.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The nursery has finished, or the child returned without calling <c>Started</c>.</exception>
    /// <remarks>An error the child throws before <c>Started</c> comes out of this call as itself; the nursery is untouched.</remarks>
    public Task<T> StartAsync<T>(Func<IStarted<T>, Task> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return StartCore<T>(handle => function(handle), name, function);
    }

    /// <inheritdoc/>
    public override string ToString() => $"nursery of task '{_scope.Owner?.Name}' ({_live} children{(_closed ? ", closed" : "")})";

    async Task<T> StartCore<T>(Func<StartedHandle<T>, Task> function, string? name, Delegate nameSource)
    {
        var caller = TaskRuntime.EnsureTask();
        if (!ReferenceEquals(caller.Loop, _scope.LoopOwner))
            throw new InvalidOperationException("Nursery.StartAsync must be called on the nursery's own loop (or off the loop for a nursery off the loop).");
        using (new ScopeGate(_scope.Gate))
        {
            ThrowIfClosed();
            _pendingStarts++;
        }
        try
        {
            var handle = new StartedHandle<T>(this);
            try
            {
                await RunAsync(temporary =>
                {
                    // The handle knows its child before the child can run: off the loop it runs on the pool at once,
                    // and may call Started (from any thread) before this body takes another step.
                    var child = temporary.AddChild(name, nameSource);
                    handle.Child = child;
                    child.Start((Func<Task>)(() => function(handle)));
                    StartScheduledHook?.Invoke(child);
                    return Task.CompletedTask;
                });
            }
            catch (AggregateException failure) when (!handle.IsStarted && failure.InnerExceptions.Count == 1)
            {
                ExceptionDispatchInfo.Throw(failure.InnerExceptions[0]);
            }
            if (!handle.IsStarted)
                throw new InvalidOperationException($"Nursery.StartAsync: task '{handle.Child?.Name}' returned without calling started.Started(); call it once the task is ready.");
            return handle.Value;
        }
        finally
        {
            EndPendingStart();
        }
    }

    /// <summary>
    /// Test hook: runs in <c>StartAsync</c> once the child is scheduled (off the loop it may be running already on the
    /// pool), before the call goes on. Tests widen the window between scheduling and the caller's next step with it.
    /// </summary>
    internal static Action<TaskInfo>? StartScheduledHook;

    NurseryTask Spawn(Delegate body, string? name, Delegate nameSource)
    {
        var child = StartChild(body, name, nameSource);
        YieldAtSpawnIfAsked();
        return child;
    }

    /// <summary>A spawn without its schedule point: the caller ends it with <see cref="YieldAtSpawnIfAsked"/> once it has kept the child.</summary>
    NurseryTask StartChild(Delegate body, string? name, Delegate nameSource)
    {
        var child = AddChild(name, nameSource);
        child.Start(body);
        return child;
    }

    /// <summary>
    /// The spawn's schedule point on a loop that asks for one (a test loop with <c>TestLoopOptions.YieldAtSpawn</c>):
    /// other tasks may run before the spawner goes on. Elsewhere a field check and nothing more.
    /// </summary>
    void YieldAtSpawnIfAsked()
    {
        if (_scope.LoopOwner is { YieldsAtSpawn: true } loop)
            loop.YieldAtSpawn();
    }

    /// <summary>A new child, linked into the nursery but not scheduled yet: the caller starts it (<see cref="NurseryTask.Start"/>).</summary>
    NurseryTask AddChild(string? name, Delegate nameSource)
    {
        var loop = _scope.LoopOwner;
        if (loop is not null && !loop.IsOnLoopThread)
            throw new InvalidOperationException("Nursery.StartSoon was called from another thread than the nursery's loop; post it to the loop (loop.Post) or use FromThread.RunSync.");
        var child = new NurseryTask(name, loop, this) { NameSource = nameSource, CancelState = _scope };
        using (new ScopeGate(_scope.Gate))
        {
            ThrowIfClosed();
            LinkChild(child);
        }
        return child;
    }

    void ThrowIfClosed()
    {
        if (_closed)
            throw new InvalidOperationException($"The {this} has finished and takes no more tasks; start the task into a nursery that is still open.");
    }

    void LinkChild(NurseryTask child)
    {
        // Appended, so that Children and the task tree list the children in spawn order.
        child.NextSibling = null;
        child.PreviousSibling = _lastChild;
        if (_lastChild is not null)
            _lastChild.NextSibling = child;
        else
            _firstChild = child;
        _lastChild = child;
        _live++;
    }

    /// <summary>Unlinks a child; returns the parked parent to wake when that was the last thing it waited for. Caller holds the gate.</summary>
    object? UnlinkChild(NurseryTask child)
    {
        if (child.PreviousSibling is not null)
            child.PreviousSibling.NextSibling = child.NextSibling;
        else
            _firstChild = child.NextSibling;
        if (child.NextSibling is not null)
            child.NextSibling.PreviousSibling = child.PreviousSibling;
        else
            _lastChild = child.PreviousSibling;
        child.NextSibling = child.PreviousSibling = null;
        _live--;
        return TakeWaiterIfDone();
    }

    /// <summary>When the body is done and nothing is left, closes the nursery and returns the waiting parent (for <see cref="Wake"/>). Caller holds the gate.</summary>
    object? TakeWaiterIfDone()
    {
        if (!_bodyDone || _live > 0 || _pendingStarts > 0 || _waiting is null)
            return null;
        _closed = true;
        var waiting = _waiting;
        _waiting = null;
        return waiting;
    }

    /// <summary>
    /// A child's error this accepts ends the child quietly: not recorded, siblings not cancelled. Set once, before
    /// children start, by Structured.Hosting on a service's root nursery: a task that stops on the host's stopping token
    /// (an OperationCanceledException with that token) has done what it was asked, like a BackgroundService.
    /// </summary>
    internal Func<Exception, bool>? IsQuietEnd
    {
        get => _rare?.IsQuietEnd;
        set => (_rare ??= new()).IsQuietEnd = value;
    }

    internal void ChildFinished(NurseryTask child, Exception? error)
    {
        bool record = error is not null && IsQuietEnd?.Invoke(error) != true;
        bool ours = record && IsOurs(error!);
        if (record && !ours)
            Fail(error!, child);
        object? wake;
        // A cancelled child (every child of a cancelled nursery, W6) records and leaves in one turn of the gate: off the
        // loop, the children finish on several threads at once and contend for it.
        using (new ScopeGate(_scope.Gate))
        {
            if (ours)
                Record(error!, ours: true);
            wake = UnlinkChild(child);
        }
        // The child is done, nothing of its own is left on this stack: an off-loop join ends here, as Task.WhenAll would.
        Wake(wake, inline: true);
    }

    void EndPendingStart()
    {
        object? wake;
        using (new ScopeGate(_scope.Gate))
        {
            _pendingStarts--;
            wake = TakeWaiterIfDone();
        }
        Wake(wake, inline: false);
    }

    /// <summary>Moves a task that called <c>Started</c> from the caller's temporary nursery into this one.</summary>
    internal void Adopt(NurseryTask child)
    {
        var temporary = child.Parent!;
        object? wake;
        using (new ScopeGate(temporary._scope.Gate))
            wake = temporary.UnlinkChild(child);
        using (new ScopeGate(_scope.Gate))
            LinkChild(child);
        // The scopes the child entered so far hang under the temporary nursery's scope (one per flow of the child).
        List<CancelScope>? own = null;
        using (new ScopeGate(temporary._scope.Gate))
        {
            foreach (var scope in temporary._scope.Children())
            {
                if (ReferenceEquals(scope.Owner, child))
                    (own ??= []).Add(scope);
            }
        }
        // The child's parent from here on (NurseryTask.Parent reads it from the child's root scope).
        child.CancelState = _scope;
        if (own is not null)
        {
            foreach (var scope in own)
                scope.Reparent(_scope);
        }
        Wake(wake, inline: false);
    }

    /// <summary>The body is done: waits for the children and pending starts, as a schedule point that cancellation does not interrupt.</summary>
    ValueTask WaitForChildrenAsync(TaskInfo task)
    {
        var parker = task.RentParker();
        using (new ScopeGate(_scope.Gate))
        {
            _bodyDone = true;
            if (_live > 0 || _pendingStarts > 0)
            {
                _waiting = parker;
                return parker.Park(this);
            }
            _closed = true;
        }
        return parker.Yield();
    }

    internal IEnumerable<NurseryTask> LiveChildren()
    {
        for (var child = _firstChild; child is not null; child = child.NextSibling)
            yield return child;
    }

    string IParkWaiter.Describe() => $"its nursery's children ({_live} running)";

    void IParkWaiter.Abort(Parker parker) { }
}
