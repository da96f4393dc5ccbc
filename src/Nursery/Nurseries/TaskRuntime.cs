namespace Structured;

/// <summary>Finds or makes the task that scopes and nurseries attach to.</summary>
internal static class TaskRuntime
{
    /// <summary>
    /// The running task; outside any task, a new implicit root task made current for the rest of the
    /// calling async method (so call it from an async method of the library only).
    /// </summary>
    internal static TaskInfo EnsureTask()
    {
        if (TaskInfo.CurrentOrNull is { } current)
            return current;
        var loop = Loop.Current;
        var task = new NurseryTask("(root)", loop, parent: null);
        if (loop is not null)
            SynchronizationContext.SetSynchronizationContext(task.Context);
        else
            TaskInfo.SetOffLoopCurrent(task);
        return task;
    }
}
