using System.Runtime.CompilerServices;

namespace Structured;

// Nursery, part: Nursery.RunAsync off the loop inside a task (a request handler, a child on the thread pool), where a
// web service meets it: no async frame for a body that completes synchronously (one for a body that does not), and a
// join without a parker that the last child ends on its own thread, as Task.WhenAll does. docs/performance.md,
// "The nursery fan-out under the request scope".
public sealed partial class Nursery
{
    // The Task of an off-loop Nursery.RunAsync whose body completed synchronously: made by an async method's builder,
    // by hand, so that it ends as an async method's would (a lone cancellation makes it Canceled with that very
    // exception), and completed by whoever ends the last child (EndJoin). No state machine, no frame.
    AsyncTaskMethodBuilder _join;

    /// <summary>
    /// The off-loop form of <see cref="RunAsync(Func{Nursery, Task})"/>: runs the body here, in the caller's flow with the
    /// nursery's scope current, then puts the caller's ExecutionContext back, as an async method's builder would. Null
    /// when this is not the place for it: on a loop, outside any task, with a suppressed flow, or with a tracing listener
    /// (the nursery's activity is then current in the one async frame of the general path).
    /// </summary>
    static Task? TryRunOffLoop(Func<Nursery, Task> body)
    {
        if (TaskInfo.CurrentOrNull is not { Loop: null } task || StructuredTracing.Source.HasListeners() || ExecutionContext.Capture() is not { } callerContext)
            return null;
        var nursery = new Nursery();
        nursery._scope.Enter(task);
        Task result;
        Task? bodyTask = null;
        Exception? bodyError = null;
        try
        {
            bodyTask = body(nursery) ?? throw NullTask.Returned("The body given to Nursery.RunAsync");
        }
        catch (Exception e)
        {
            bodyError = e;
        }
        if (bodyTask is { IsCompleted: false })
        {
            // The body goes on in its own flow, and this frame in the nursery's (it captures the context with the scope current).
            result = nursery.FinishAfterBodyAsync(task, bodyTask);
        }
        else
        {
            bodyError ??= bodyTask is null ? null : TaskErrors.ErrorOf(bodyTask);
            if (bodyError is not null)
                nursery.AddError(bodyError, task, " (nursery body)");
            result = nursery.JoinOffLoop();
        }
        ExecutionContext.Restore(callerContext);
        return result;
    }

    async Task FinishAfterBodyAsync(TaskInfo task, Task bodyTask)
    {
        // Not a plain await: a cancelled body would throw again here only for us to catch it.
        await bodyTask.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        if (TaskErrors.ErrorOf(bodyTask) is { } bodyError)
            AddError(bodyError, task, " (nursery body)");
        // What the join ends with (an aggregate, a lone cancellation) comes out of this await as it went in.
        await JoinOffLoop();
    }

    /// <summary>
    /// The body is done: returns the Task that completes once the last child and pending start have ended and the
    /// nursery closed (its outcome is the nursery's). As on the loop, the wait is a schedule point that cancellation does
    /// not interrupt: with no child left, the rest runs on the thread pool, as the parker's yield did.
    /// </summary>
    Task JoinOffLoop()
    {
        // Made before anyone else can see the join: the builder's Task is made on first read, and not thread-safely.
        var joined = _join.Task;
        using (new ScopeGate(_scope.Gate))
        {
            _bodyDone = true;
            if (_live > 0 || _pendingStarts > 0)
            {
                // Off the loop nobody else tracks the task: the task tree shows it blocked on this (TaskTreeText.WaitingOn).
                OwnerTask.State = TaskState.Blocked;
                _waiting = this;
                return joined;
            }
            _closed = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static nursery => nursery.EndJoin(), this, preferLocal: false);
        return joined;
    }

    /// <summary>Ends an off-loop join (<see cref="JoinOffLoop"/>): closes the nursery, leaves its scope and completes the join's Task with the outcome.</summary>
    void EndJoin()
    {
        if (OwnerTask.State == TaskState.Blocked)
            OwnerTask.State = TaskState.Runnable;
        Exception? error;
        try
        {
            error = Close(OwnerTask);
        }
        catch (Exception e)
        {
            // Never expected; but a join that never completes would hang its caller silently.
            error = e;
        }
        NurseryTelemetry.NurseryClosed(Activity, error);
        if (error is null)
            _join.SetResult();
        else
            _join.SetException(error);
    }

    /// <summary>
    /// Wakes what <see cref="TakeWaiterIfDone"/> returned: a parked parent's parker, or an off-loop join, which ends on
    /// this thread when <paramref name="inline"/> (the last child just finished here: nothing of user code is left on the
    /// stack that the parent's continuation could run into), else on the thread pool (a <c>Started</c> call or the end
    /// of a <c>StartAsync</c> may be inside user code that holds a lock).
    /// </summary>
    static void Wake(object? waiter, bool inline)
    {
        switch (waiter)
        {
            case Parker parker:
                parker.TryWake();
                break;
            case Nursery nursery when inline:
                nursery.EndJoin();
                break;
            case Nursery nursery:
                ThreadPool.UnsafeQueueUserWorkItem(static n => n.EndJoin(), nursery, preferLocal: false);
                break;
        }
    }

    /// <summary>Whether the nursery's owner waits in an off-loop join for the last child (read by the task tree, best effort from any thread).</summary>
    internal bool IsJoiningOffLoop => ReferenceEquals(Volatile.Read(ref _waiting), this);

    /// <summary>What an off-loop join waits on, for <see cref="TaskInfo.WaitingOn"/>: the same words as the parker's wait.</summary>
    internal string DescribeJoin() => ((IParkWaiter)this).Describe();
}
