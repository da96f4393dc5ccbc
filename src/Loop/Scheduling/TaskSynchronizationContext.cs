namespace Structured;

/// <summary>
/// The SynchronizationContext of one loop task. Awaits inside the task capture it, so their continuations
/// come back through <see cref="Post"/> to the loop, tagged with the task: that is how the loop knows which
/// task a step belongs to without an <c>AsyncLocal</c> (no ExecutionContext copy per spawn or per scope).
/// </summary>
internal sealed class TaskSynchronizationContext(Loop loop, TaskInfo task) : SynchronizationContext
{
    internal readonly Loop Loop = loop;
    internal readonly TaskInfo Task = task;

    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        Loop.EnqueueCallback(Task, d, state);
    }

    public override void Send(SendOrPostCallback d, object? state) => Loop.Send(Task, d, state);

    public override SynchronizationContext CreateCopy() => this;
}
