namespace Structured;

/// <summary>One entry of the ready queue: a callback, its state, and the task it belongs to (null for loop callbacks).</summary>
internal readonly struct WorkItem(TaskInfo? task, object callback, object? state, long enqueuedAt)
{
    internal readonly TaskInfo? Task = task;

    /// <summary>An <see cref="Action{T}"/> of object, or a <see cref="SendOrPostCallback"/>.</summary>
    internal readonly object Callback = callback;

    internal readonly object? State = state;

    /// <summary>When it was queued (<see cref="TimeProvider.GetTimestamp"/> of the loop's clock) while the loop lag is measured, else <see cref="StructuredMetrics.NoTimestamp"/>.</summary>
    internal readonly long EnqueuedAt = enqueuedAt;

    internal void Invoke()
    {
        if (Callback is Action<object?> action)
            action(State);
        else
            ((SendOrPostCallback)Callback)(State);
    }
}
