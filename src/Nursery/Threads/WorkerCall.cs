using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Structured;

/// <summary>
/// One <see cref="ToThread"/> call: runs the function on a pool thread and is the mailbox between that worker
/// thread and the task that waits for it (the caller). The worker sends the caller two kinds of message, each
/// by waking the caller's parker: a <see cref="WorkerRequest"/> (from <see cref="FromThread"/>) to run in the
/// caller's task, or the end of the call.
/// </summary>
/// <remarks>
/// <para>Invariant: whenever the worker sends, the caller is parked on <c>_parker</c>, or has abandoned the call
/// (a cancellable call that was cancelled), in which case the wake fails and the message is dropped. The caller
/// parks before the worker is queued, and parks again before it tells the worker that a request is done.</para>
/// <para>Every wake names the park it is meant for (<see cref="Parker.TryWake(short, Exception?)"/>): after an
/// abandoned call the task goes on and reuses its parker, and a late wake from the worker must miss.</para>
/// </remarks>
[DebuggerDisplay("ToThread call of {_caller}")]
internal abstract class WorkerCall : IParkWaiter, IThreadPoolWorkItem
{
    [ThreadStatic]
    static WorkerCall? t_current;

    static readonly ContextCallback s_invoke = static s => ((WorkerCall)s!).InvokeOnWorker();

    readonly TaskInfo _caller;
    readonly ExecutionContext? _context;

    // The caller's current park; written by the caller before it hands over to the worker (queueing the work
    // item, or finishing a request), read by the worker after that hand-over.
    Parker _parker = null!;
    short _version;
    WorkerRequest? _request;
    Loop? _loop;

    /// <summary>An error of the call itself (not of the function), such as a failure to give the token back.</summary>
    ExceptionDispatchInfo? _failure;

    protected WorkerCall(TaskInfo caller, bool cancellable, CapacityLimiter limiter)
    {
        _caller = caller;
        Cancellable = cancellable;
        Limiter = limiter;
        _context = ExecutionContext.Capture();
    }

    /// <summary>The call whose function runs on this thread, or null when this is not a ToThread worker thread.</summary>
    internal static WorkerCall? Current => t_current;

    /// <summary>Whether the caller may abandon the call when cancelled.</summary>
    internal bool Cancellable { get; }

    /// <summary>The limiter whose token the call holds (borrowed on behalf of the call) until its thread ends.</summary>
    internal CapacityLimiter Limiter { get; }

    /// <summary>Parks the caller, then hands the function to a pool thread. On the caller's thread, holding a token.</summary>
    internal ValueTask Start(CancellationToken cancellationToken)
    {
        _loop = _caller.Loop;
        _loop?.BeginExternalWork();
        var wait = Park();
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        Register(cancellationToken);
        return wait;
    }

    /// <summary>The request the worker sent, if it woke the caller for one; null when the call has ended.</summary>
    internal WorkerRequest? TakeRequest() => Interlocked.Exchange(ref _request, null);

    /// <summary>
    /// Runs a request in the caller's task: shielded from the caller's cancellation when the call is not
    /// cancellable (the worker is not interrupted either), under the caller's scopes when it is.
    /// </summary>
    internal async Task ServeAsync(WorkerRequest request)
    {
        try
        {
            if (Cancellable)
                await request.InvokeAsync(_caller);
            else
                await new CancelScope(shield: true).RunAsync(() => request.InvokeAsync(_caller));
        }
        catch (Exception e)
        {
            request.Error = ExceptionDispatchInfo.Capture(e);
        }
    }

    /// <summary>Parks the caller again, then lets the worker go on after its request. On the caller's thread.</summary>
    internal ValueTask Resume(WorkerRequest request, CancellationToken cancellationToken)
    {
        var wait = Park();
        request.SetDone();
        Register(cancellationToken);
        return wait;
    }

    /// <summary>Called by <see cref="FromThread"/> on the worker: runs <paramref name="request"/> in the caller's task and waits for it.</summary>
    /// <exception cref="OperationCanceledException">The caller abandoned the call: nothing waits on the loop any more.</exception>
    internal void Send(WorkerRequest request)
    {
        request.Context = ExecutionContext.Capture();
        Volatile.Write(ref _request, request);
        if (!_parker.TryWake(_version))
        {
            Volatile.Write(ref _request, null);
            throw new OperationCanceledException(
                "FromThread: the ToThread.RunAsync call that started this thread was cancelled and no longer waits for it (cancellable: true), so nothing runs on its behalf any more; let the thread finish.");
        }
        request.WaitDone();
    }

    /// <summary>The end of the call, on the caller: the function's result, or its exception rethrown as itself.</summary>
    protected void ThrowIfFailed() => _failure?.Throw();

    /// <summary>Runs the function; stores its result or exception. On the worker thread, in the caller's ExecutionContext.</summary>
    protected abstract void Invoke();

    void IThreadPoolWorkItem.Execute()
    {
        t_current = this;
        try
        {
            if (_context is null)
                InvokeOnWorker();
            else
                ExecutionContext.Run(_context, s_invoke, this);
        }
        finally
        {
            t_current = null;
        }
        Finish();
    }

    void InvokeOnWorker()
    {
        // The worker thread is not the caller's task: code there sees no task and no cancel scope.
        TaskInfo.SetOffLoopCurrent(null);
        Invoke();
    }

    /// <summary>On the worker, after the function: gives the token back, then wakes the caller with the outcome.</summary>
    void Finish()
    {
        try
        {
            Limiter.ReleaseOnBehalfOf(this);
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
        }
        // Fails when the caller abandoned the call: the result is dropped, as in Trio.
        _parker.TryWake(_version);
        _loop?.EndExternalWork();
    }

    ValueTask Park()
    {
        _parker = _caller.RentParker();
        var wait = _parker.Park(this);
        _version = _parker.Version;
        return wait;
    }

    void Register(CancellationToken cancellationToken)
    {
        // A non-cancellable call is shielded (Trio's Abort.FAILED): neither the scope nor the token wakes it.
        if (Cancellable)
            Blocking.RegisterWithScope(_caller, _parker, cancellationToken);
    }

    string IParkWaiter.Describe() => "ToThread.RunAsync";

    // Abandoned: the thread runs on and keeps its token until it ends; nothing to take out of any queue.
    void IParkWaiter.Abort(Parker parker)
    {
    }
}
