using System.Runtime.CompilerServices;
namespace Structured;

/// <summary>
/// Runs code back in the task that waits for a <see cref="ToThread"/> call, from that call's worker thread, and
/// blocks the worker until it is done (Trio's <c>trio.from_thread.run</c> and <c>run_sync</c>).
/// </summary>
/// <remarks>
/// <para>The function runs on the loop (off the loop: in the waiting task's flow on the pool), as part of the task
/// that awaits <c>ToThread.RunAsync</c>, in a copy of the worker's ExecutionContext. While it runs, the worker
/// thread is blocked; its result or exception comes back to the worker as itself.</para>
/// <para><b>Cancellation.</b> For a call that is not cancellable, the function runs shielded from the waiting task's
/// cancellation (the worker cannot be interrupted either). For a <c>cancellable: true</c> call, it runs under the
/// waiting task's cancel scopes, so cancelling that task cancels it. Once such a call has been abandoned,
/// nothing waits on the loop any more and these methods throw <see cref="OperationCanceledException"/>.</para>
/// <para>Only ToThread worker threads may call these methods. Called on a loop thread, or from a task, they throw
/// <see cref="InvalidOperationException"/> rather than deadlock; from any other thread, post to the loop with
/// <c>loop.Post</c> instead.</para>
/// </remarks>
/// <example>
/// <code>
/// await ToThread.RunAsync(() =>
/// {
///     foreach (var line in File.ReadLines(path))
///         FromThread.Run(() => channel.SendAsync(line).AsTask()); // back on the loop, with backpressure
/// });
/// </code>
/// </example>
public static class FromThread
{
    /// <summary>Runs the async <paramref name="function"/> in the task waiting for this worker thread, and returns its result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="function">Async code for the loop.</param>
    /// <returns>The function's result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is not a ToThread worker thread (a loop thread, a task, or another thread).</exception>
    /// <exception cref="OperationCanceledException">The ToThread call was cancellable and has been abandoned.</exception>
    public static T Run<T>(Func<Task<T>> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return WorkerRequest<T>.ForAsync(function).SendFrom(Worker("FromThread.Run"));
    }

    /// <summary>Runs the async <paramref name="function"/>, a <see cref="ValueTask{TResult}"/>-returning function, in the task waiting for this worker thread, and returns its result; as <see cref="Run{T}(Func{Task{T}})"/>.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="function">Async code for the loop.</param>
    /// <returns>The function's result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is not a ToThread worker thread (a loop thread, a task, or another thread).</exception>
    /// <exception cref="OperationCanceledException">The ToThread call was cancellable and has been abandoned.</exception>
    [OverloadResolutionPriority(-1)]
    public static T Run<T>(Func<ValueTask<T>> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Run(() => function().AsTask());
    }

    /// <summary>Runs the async <paramref name="function"/> in the task waiting for this worker thread, and waits for it.</summary>
    /// <param name="function">Async code for the loop.</param>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is not a ToThread worker thread (a loop thread, a task, or another thread).</exception>
    /// <exception cref="OperationCanceledException">The ToThread call was cancellable and has been abandoned.</exception>
    public static void Run(Func<Task> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        WorkerRequest<object?>.ForAsync(async () =>
        {
            await (function() ?? throw NullTask.Returned("The function given to FromThread.Run"));
            return null;
        }).SendFrom(Worker("FromThread.Run"));
    }

    /// <summary>Runs the async <paramref name="function"/>, a <see cref="ValueTask"/>-returning function, in the task waiting for this worker thread, and waits for it; as <see cref="Run(Func{Task})"/>.</summary>
    /// <param name="function">Async code for the loop.</param>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is not a ToThread worker thread (a loop thread, a task, or another thread).</exception>
    /// <exception cref="OperationCanceledException">The ToThread call was cancellable and has been abandoned.</exception>
    [OverloadResolutionPriority(-1)]
    public static void Run(Func<ValueTask> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        Run(() => function().AsTask());
    }

    /// <summary>Runs the synchronous <paramref name="function"/> in the task waiting for this worker thread, and returns its result.</summary>
    /// <typeparam name="T">The result type; not a Task (use <see cref="Run{T}(Func{Task{T}})"/> for async code).</typeparam>
    /// <param name="function">Synchronous code for the loop.</param>
    /// <returns>The function's result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is a Task or ValueTask: use <see cref="Run{T}(Func{Task{T}})"/>.</exception>
    /// <exception cref="InvalidOperationException">This thread is not a ToThread worker thread (a loop thread, a task, or another thread).</exception>
    /// <exception cref="OperationCanceledException">The ToThread call was cancellable and has been abandoned.</exception>
    public static T RunSync<T>(Func<T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (ToThread.IsAwaitable(typeof(T)))
        {
            throw new ArgumentException(
                $"FromThread.RunSync runs synchronous code, but this function returns a {typeof(T).Name}: it is asynchronous. Use FromThread.Run.", nameof(function));
        }
        return WorkerRequest<T>.ForSync(function).SendFrom(Worker("FromThread.RunSync"));
    }

    /// <summary>Runs the synchronous <paramref name="action"/> in the task waiting for this worker thread, and waits for it.</summary>
    /// <param name="action">Synchronous code for the loop.</param>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is not a ToThread worker thread (a loop thread, a task, or another thread).</exception>
    /// <exception cref="OperationCanceledException">The ToThread call was cancellable and has been abandoned.</exception>
    public static void RunSync(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        WorkerRequest<object?>.ForSync(() =>
        {
            action();
            return null;
        }).SendFrom(Worker("FromThread.RunSync"));
    }

    static WorkerCall Worker(string member)
    {
        if (WorkerCall.Current is { } call)
            return call;
        if (Loop.Current is not null)
        {
            throw new InvalidOperationException(
                $"{member} was called on a loop thread: it blocks until the loop runs the function, so it would deadlock. Call the function directly (await it), or call {member} from inside ToThread.RunAsync.");
        }
        if (TaskInfo.CurrentOrNull is not null)
        {
            throw new InvalidOperationException(
                $"{member} was called from a task of Structured: it blocks its thread until the function has run. Call the function directly (await it), or call {member} from inside ToThread.RunAsync.");
        }
        throw new InvalidOperationException(
            $"{member} was called on a thread that ToThread.RunAsync did not start: it only knows the way back to the waiting task from a ToThread worker thread. From other threads, use loop.Post to run code on a loop.");
    }
}
