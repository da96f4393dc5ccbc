using System.Runtime.ExceptionServices;

namespace Structured;

/// <summary>
/// What a <see cref="FromThread"/> call asks the task that waits for a ToThread worker to run: a function, in
/// the worker's ExecutionContext (its <c>AsyncLocal</c> values, as Trio copies contextvars), with the outcome
/// handed back to the blocked worker once the caller has parked again.
/// </summary>
internal abstract class WorkerRequest
{
    // Guards _done; the worker waits on it (a blocking wait: the worker is a plain thread).
    readonly object _doneGate = new();
    bool _done;

    /// <summary>The worker's ExecutionContext at the call, or null when its flow was suppressed.</summary>
    internal ExecutionContext? Context;

    /// <summary>The function's exception, rethrown on the worker as itself.</summary>
    internal ExceptionDispatchInfo? Error;

    /// <summary>Called by the caller once it has parked again: the worker may read the outcome and go on.</summary>
    internal void SetDone()
    {
        lock (_doneGate)
        {
            _done = true;
            Monitor.PulseAll(_doneGate);
        }
    }

    /// <summary>Blocks the worker until <see cref="SetDone"/>.</summary>
    internal void WaitDone()
    {
        lock (_doneGate)
        {
            while (!_done)
                Monitor.Wait(_doneGate);
        }
    }

    /// <summary>Starts the function in <paramref name="caller"/>'s task, in the worker's ExecutionContext.</summary>
    internal Task InvokeAsync(TaskInfo caller)
    {
        if (Context is null)
            return Begin(caller);
        // The worker's context carries its AsyncLocals, and also the caller's scope at the time of the ToThread call;
        // the function runs in the scope of the flow that serves it instead (a shield for a non-cancellable call).
        var scope = CancelScope.CurrentIn(caller);
        Task? started = null;
        ExecutionContext.Run(Context, _ =>
        {
            CancelScope.EnterFlow(scope);
            started = Begin(caller);
        }, null);
        return started!;
    }

    /// <summary>Runs the function (to its first await, for an async one).</summary>
    protected abstract Task Begin(TaskInfo caller);

    /// <summary>Off the loop the current task is an AsyncLocal, which the worker's context does not carry: set it back.</summary>
    /// <remarks>The flow's scope, set by <see cref="InvokeAsync"/>, names the task already when the caller entered it; else the task is set, which leaves the flow in the caller's root scope.</remarks>
    protected static void EnterCaller(TaskInfo caller)
    {
        if (caller.Loop is null && !CancelScope.FlowIsInScopeOf(caller))
            TaskInfo.SetOffLoopCurrent(caller);
    }
}
