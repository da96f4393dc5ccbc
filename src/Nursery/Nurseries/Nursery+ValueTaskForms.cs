using System.Runtime.CompilerServices;

namespace Structured;

// Nursery, part: the ValueTask forms of RunAsync, StartSoon and StartAsync, each the Task form's twin (ranked below it
// for overload resolution, so a lambda that could be either stays a Task).
public sealed partial class Nursery
{
    /// <summary>Opens a nursery and runs <paramref name="body"/>, a <see cref="ValueTask"/>-returning function, in it; as <see cref="RunAsync(Func{Nursery, Task})"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="AggregateException">The body or children failed: every error, in the order they happened.</exception>
    /// <exception cref="OperationCanceledException">An outer scope cancelled the nursery and nothing else went wrong.</exception>
    [OverloadResolutionPriority(-1)]
    public static Task RunAsync(Func<Nursery, ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync(nursery => body(nursery).AsTask());
    }

    /// <summary>Opens a nursery that is also cancelled when <paramref name="cancellationToken"/> is, and runs <paramref name="body"/>, a <see cref="ValueTask"/>-returning function, in it; as <see cref="RunAsync(Func{Nursery, Task}, CancellationToken)"/>.</summary>
    /// <param name="body">The nursery's body.</param>
    /// <param name="cancellationToken">A token from outside; its cancellation cancels the body and every child, and the nursery's scope catches it.</param>
    /// <returns>A task that completes once the body and every child have finished.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="AggregateException">The body or children failed: every error, in the order they happened.</exception>
    /// <exception cref="OperationCanceledException">An outer scope cancelled the nursery and nothing else went wrong.</exception>
    [OverloadResolutionPriority(-1)]
    public static Task RunAsync(Func<Nursery, ValueTask> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync(nursery => body(nursery).AsTask(), cancellationToken);
    }

    /// <summary>Opens a nursery, runs <paramref name="body"/>, a <see cref="ValueTask{TResult}"/>-returning function, in it, waits for every child, and returns the body's value; as <see cref="RunAsync{T}(Func{Nursery, Task{T}})"/>.</summary>
    /// <typeparam name="T">The body's result type.</typeparam>
    /// <param name="body">The nursery's body.</param>
    /// <returns>The body's value, once every child has finished too.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="AggregateException">The body or children failed: every error, in the order they happened.</exception>
    /// <exception cref="OperationCanceledException">An outer scope cancelled the nursery and nothing else went wrong.</exception>
    [OverloadResolutionPriority(-1)]
    public static Task<T> RunAsync<T>(Func<Nursery, ValueTask<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync(nursery => body(nursery).AsTask());
    }

    /// <summary>Starts <paramref name="function"/>, a <see cref="ValueTask"/>-returning function, as a child task; as <see cref="StartSoon(Func{Task}, string?)"/>.</summary>
    /// <param name="function">The child's code.</param>
    /// <param name="name">The task's name; defaults to the function's name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The nursery has finished, or this is not the nursery's loop thread.</exception>
    [OverloadResolutionPriority(-1)]
    public void StartSoon(Func<ValueTask> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        Spawn(function, name, function);
    }

    /// <summary>Starts <paramref name="function"/>, a <see cref="ValueTask"/>-returning function of the nursery's token, as a child task; as <see cref="StartSoon(Func{CancellationToken, Task}, string?)"/>.</summary>
    /// <param name="function">The child's code; it receives the nursery's token.</param>
    /// <param name="name">The task's name; defaults to the function's name.</param>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The nursery has finished, or this is not the nursery's loop thread.</exception>
    [OverloadResolutionPriority(-1)]
    public void StartSoon(Func<CancellationToken, ValueTask> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        Spawn(function, name, function);
    }

    /// <summary>Starts <paramref name="function"/>, a <see cref="ValueTask"/>-returning function, and returns once it calls <see cref="IStarted.Started"/>; as <see cref="StartAsync(Func{IStarted, Task}, string?)"/>.</summary>
    /// <param name="function">The child's code; it calls <c>started.Started()</c> once it is ready.</param>
    /// <param name="name">The task's name; defaults to the function's name.</param>
    /// <returns>A task that completes when the child has called <c>Started</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The nursery has finished, or the child returned without calling <c>Started</c>.</exception>
    /// <remarks>An error the child throws before <c>Started</c> comes out of this call as itself; the nursery is untouched.</remarks>
    [OverloadResolutionPriority(-1)]
    public Task StartAsync(Func<IStarted, ValueTask> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return StartCore<object?>(handle => function(handle).AsTask(), name, function);
    }

    /// <summary>Starts <paramref name="function"/>, a <see cref="ValueTask"/>-returning function, and returns the value it passes to <see cref="IStarted{T}.Started"/>; as <see cref="StartAsync{T}(Func{IStarted{T}, Task}, string?)"/>.</summary>
    /// <typeparam name="T">The type of the value the child passes to <c>Started</c>.</typeparam>
    /// <param name="function">The child's code; it calls <c>started.Started(value)</c> once it is ready.</param>
    /// <param name="name">The task's name; defaults to the function's name.</param>
    /// <returns>The value the child passed to <c>Started</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The nursery has finished, or the child returned without calling <c>Started</c>.</exception>
    /// <remarks>An error the child throws before <c>Started</c> comes out of this call as itself; the nursery is untouched.</remarks>
    [OverloadResolutionPriority(-1)]
    public Task<T> StartAsync<T>(Func<IStarted<T>, ValueTask> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return StartCore<T>(handle => function(handle).AsTask(), name, function);
    }
}
