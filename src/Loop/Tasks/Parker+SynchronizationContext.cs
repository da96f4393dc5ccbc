namespace Structured;

// Parker, part: the task's own parker is also the SynchronizationContext of a loop task. Awaits inside the task capture
// it, so their continuations come back through Post to the loop, tagged with the task: that is how the loop knows which
// task a step belongs to without an AsyncLocal (no ExecutionContext copy per spawn or per scope). One object, not a
// parker and a context beside it: 32 B less for every loop task that blocks (docs/performance.md, issue 13). Only the
// task's own parker (TaskInfo.Context) is ever installed; a parker rented for a second flow of the task never is.
internal sealed partial class Parker
{
    /// <summary>Runs <paramref name="d"/> on the task's loop, as a step of the task.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="d"/> is null.</exception>
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        LoopOfContext.EnqueueCallback(Task, d, state);
    }

    /// <summary>Runs <paramref name="d"/> on the task's loop and waits for it (at once when called on the loop thread).</summary>
    public override void Send(SendOrPostCallback d, object? state) => LoopOfContext.Send(Task, d, state);

    /// <summary>The context itself: it names one task and holds no state of a call.</summary>
    public override SynchronizationContext CreateCopy() => this;

    Loop LoopOfContext => Task.Loop ?? throw new InvalidOperationException($"The parker of {Task}, a task off the loop, was used as a SynchronizationContext (a bug in Structured).");
}
