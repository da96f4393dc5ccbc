namespace Structured;

/// <summary>One entry of the ready queue: a callback, its state, and the task it belongs to (null for loop callbacks).</summary>
internal readonly struct WorkItem(TaskInfo? task, object callback, object? state)
{
    internal readonly TaskInfo? Task = task;

    /// <summary>An <see cref="Action{T}"/> of object, or a <see cref="SendOrPostCallback"/>.</summary>
    internal readonly object Callback = callback;

    internal readonly object? State = state;

    internal void Invoke()
    {
        if (Callback is Action<object?> action)
            action(State);
        else
            ((SendOrPostCallback)Callback)(State);
    }
}
