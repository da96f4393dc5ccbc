namespace Structured;

/// <summary>
/// Handed to a task started with <see cref="Nursery.StartAsync{T}(Func{IStarted{T}, Task}, string?)"/>: the
/// task calls <see cref="Started"/> with a value once it is ready (Trio's <c>task_status.started(value)</c>).
/// </summary>
/// <typeparam name="T">The type of the value <c>StartAsync</c> returns, such as a bound port.</typeparam>
public interface IStarted<in T>
{
    /// <summary>
    /// Reports that the task is ready: <c>StartAsync</c> returns <paramref name="value"/>, and the task moves
    /// from the caller's cancel scope into the nursery.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called a second time.</exception>
    void Started(T value);
}
