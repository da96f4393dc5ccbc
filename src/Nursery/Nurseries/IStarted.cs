namespace Structured;

/// <summary>
/// Handed to a task started with <see cref="Nursery.StartAsync(Func{IStarted, Task}, string?)"/>: the task
/// calls <see cref="Started"/> once it is ready (Trio's <c>task_status.started()</c>).
/// </summary>
public interface IStarted
{
    /// <summary>
    /// Reports that the task is ready: <c>StartAsync</c> returns, and the task moves from the caller's cancel
    /// scope into the nursery.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called a second time.</exception>
    void Started();
}
