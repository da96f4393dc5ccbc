namespace Structured;

/// <summary>
/// The identity that owns a lock or borrows a limiter's token: the running task (DESIGN.md: ownership
/// belongs to the task, not to the thread), so a task that resumes on another pool thread still owns it.
/// </summary>
internal static class SyncOwner
{
    /// <summary>
    /// The running task. Off the loop, code outside any task becomes an implicit root task for the rest of
    /// the calling async method (<see cref="TaskRuntime.EnsureTask"/>), so that acquire and release agree.
    /// </summary>
    /// <exception cref="InvalidOperationException">On a loop thread outside any task (a <c>Loop.Post</c> callback).</exception>
    internal static TaskInfo Current(string member)
    {
        if (TaskInfo.CurrentOrNull is { } task)
            return task;
        if (Loop.Current is not null)
        {
            throw new InvalidOperationException(
                $"{member} was called on the loop thread outside any task (in a Loop.Post callback?); ownership belongs to a task. Call it from Loop.Run's main function or a nursery child.");
        }
        return TaskRuntime.EnsureTask();
    }

    /// <summary>The running task, or null outside any task (for checks that must not create one).</summary>
    internal static TaskInfo? CurrentOrNull => TaskInfo.CurrentOrNull;
}
