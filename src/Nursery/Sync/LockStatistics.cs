namespace Structured;

/// <summary>A snapshot of an <see cref="AsyncLock"/>, from <see cref="AsyncLock.Statistics"/> (Trio's <c>Lock.statistics()</c>).</summary>
/// <param name="IsLocked">Whether a task holds the lock.</param>
/// <param name="Owner">The task that holds the lock, or null.</param>
/// <param name="TasksWaiting">How many tasks are blocked in <see cref="AsyncLock.AcquireAsync"/>.</param>
public readonly record struct LockStatistics(bool IsLocked, TaskInfo? Owner, int TasksWaiting);
