using System.Runtime.CompilerServices;

namespace Structured;

// Nursery, part: children that return a value (Kotlin's async, Swift's TaskGroup<T>), read after the nursery ends.
public sealed partial class Nursery
{
    /// <summary>
    /// Starts <paramref name="function"/> as a child task, as <see cref="StartSoon(Func{Task}, string?)"/>, and keeps
    /// the value it returns (Kotlin's <c>async</c>): read it with <see cref="ChildResult{T}.Value"/> after the nursery
    /// ends, or await <see cref="ChildResult{T}.WaitAsync"/> while it runs.
    /// </summary>
    /// <typeparam name="T">The type of the child's value.</typeparam>
    /// <param name="function">The child's code.</param>
    /// <param name="name">The task's name for <see cref="TaskInfo.Name"/>, the task tree and error reports; defaults to the function's name.</param>
    /// <returns>Where the child's value will be.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The nursery has finished, or this is not the nursery's loop thread.</exception>
    /// <remarks>The child fails and cancels its nursery like any other: its error comes out of the nursery, whether or not
    /// anybody reads the result.</remarks>
    public ChildResult<T> StartSoonForResult<T>(Func<Task<T>> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        var result = new ChildResult<T>();
        result.Child = StartChild((Func<Task>)(() => result.RunAsync(function)), name, function);
        YieldAtSpawnIfAsked();
        return result;
    }

    /// <summary>
    /// Starts <paramref name="function"/> as a child task that receives the nursery's token, as
    /// <see cref="StartSoon(Func{CancellationToken, Task}, string?)"/>, and keeps the value it returns.
    /// </summary>
    /// <typeparam name="T">The type of the child's value.</typeparam>
    /// <param name="function">The child's code; it receives a token cancelled exactly when the child is.</param>
    /// <param name="name">The task's name; defaults to the function's name.</param>
    /// <returns>Where the child's value will be.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The nursery has finished, or this is not the nursery's loop thread.</exception>
    public ChildResult<T> StartSoonForResult<T>(Func<CancellationToken, Task<T>> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        var result = new ChildResult<T>();
        result.Child = StartChild((Func<CancellationToken, Task>)(token => result.RunAsync(function, token)), name, function);
        YieldAtSpawnIfAsked();
        return result;
    }

    /// <summary>Starts <paramref name="function"/>, a <see cref="ValueTask{T}"/>-returning function, as a child task and keeps its value; as <see cref="StartSoonForResult{T}(Func{Task{T}}, string?)"/>.</summary>
    /// <typeparam name="T">The type of the child's value.</typeparam>
    /// <param name="function">The child's code.</param>
    /// <param name="name">The task's name; defaults to the function's name.</param>
    /// <returns>Where the child's value will be.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The nursery has finished, or this is not the nursery's loop thread.</exception>
    [OverloadResolutionPriority(-1)]
    public ChildResult<T> StartSoonForResult<T>(Func<ValueTask<T>> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        var result = new ChildResult<T>();
        result.Child = StartChild((Func<Task>)(() => result.RunAsync(() => function().AsTask())), name, function);
        YieldAtSpawnIfAsked();
        return result;
    }

    /// <summary>Starts <paramref name="function"/>, a <see cref="ValueTask{T}"/>-returning function of the nursery's token, as a child task and keeps its value; as <see cref="StartSoonForResult{T}(Func{CancellationToken, Task{T}}, string?)"/>.</summary>
    /// <typeparam name="T">The type of the child's value.</typeparam>
    /// <param name="function">The child's code; it receives a token cancelled exactly when the child is.</param>
    /// <param name="name">The task's name; defaults to the function's name.</param>
    /// <returns>Where the child's value will be.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The nursery has finished, or this is not the nursery's loop thread.</exception>
    [OverloadResolutionPriority(-1)]
    public ChildResult<T> StartSoonForResult<T>(Func<CancellationToken, ValueTask<T>> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        var result = new ChildResult<T>();
        result.Child = StartChild((Func<CancellationToken, Task>)(token => result.RunAsync(t => function(t).AsTask(), token)), name, function);
        YieldAtSpawnIfAsked();
        return result;
    }
}
