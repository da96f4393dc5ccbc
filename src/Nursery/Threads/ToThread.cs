namespace Structured;

/// <summary>
/// Runs blocking code on a thread-pool thread and awaits it (Trio's <c>trio.to_thread.run_sync</c>), so that
/// the loop keeps running other tasks meanwhile.
/// </summary>
/// <remarks>
/// <para><b>Limiter.</b> Each call borrows a token of a <see cref="CapacityLimiter"/> (on behalf of the call) for as
/// long as its thread runs: <see cref="DefaultLimiter"/>, 40 tokens shared by the whole process, unless one is
/// given. Waiting for a token is a checkpoint like any acquire. The token is back before the call returns.</para>
/// <para><b>Cancellation.</b> Entering is a checkpoint. By default a call is <em>not</em> cancellable once its thread
/// runs (the thread cannot be interrupted): a cancel waits for the thread, the call returns its result, and the
/// cancellation is seen at the next checkpoint (Trio's shielded wait). With <c>cancellable: true</c> a cancel
/// returns at once with <see cref="Cancelled"/> and abandons the thread: it runs to its end, keeps its token until
/// then, and its result is dropped.</para>
/// <para>The function runs in a copy of the caller's ExecutionContext (<c>AsyncLocal</c> values flow in, changes
/// do not flow back) but outside any task: it sees no cancel scope. It may call <see cref="FromThread"/> to run
/// code back in the waiting task. Its exception comes out of the call as itself.</para>
/// </remarks>
/// <example>
/// <code>
/// string text = await ToThread.RunAsync(() => File.ReadAllText(path));
/// // with a limit of two hashing threads at once, abandoned on cancel:
/// var hashLimiter = new CapacityLimiter(2);
/// byte[] hash = await ToThread.RunAsync(() => SHA256.HashData(data), cancellable: true, limiter: hashLimiter);
/// </code>
/// </example>
public static class ToThread
{
    /// <summary>The limiter of the calls that name none: 40 tokens, shared by every loop and thread of the process.</summary>
    /// <value>Its <see cref="CapacityLimiter.TotalTokens"/> may be changed; the default is 40 (Trio's default).</value>
    public static CapacityLimiter DefaultLimiter { get; } = new(40);

    /// <summary>Runs <paramref name="function"/> on a thread-pool thread and returns its result.</summary>
    /// <typeparam name="T">The function's result type; not a Task (use async code directly, or <see cref="FromThread.Run{T}(Func{Task{T}})"/>).</typeparam>
    /// <param name="function">Blocking, synchronous code.</param>
    /// <param name="cancellable">False (the default): a cancel waits for the thread. True: a cancel returns at once and abandons the thread.</param>
    /// <param name="limiter">The limiter to borrow a token from; null (the default) for <see cref="DefaultLimiter"/>.</param>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope: while waiting for a token, and, when <paramref name="cancellable"/>, while the thread runs.</param>
    /// <returns>The function's result, delivered back on the caller's loop.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is a Task or ValueTask: the function is asynchronous.</exception>
    /// <exception cref="Cancelled">The code is cancelled on entry, while waiting for a token, or (when <paramref name="cancellable"/>) while the thread runs.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (same points).</exception>
    public static Task<T> RunAsync<T>(Func<T> function, bool cancellable = false, CapacityLimiter? limiter = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (IsAwaitable(typeof(T)))
        {
            throw new ArgumentException(
                $"ToThread.RunAsync runs blocking, synchronous code, but this function returns a {typeof(T).Name}: it is asynchronous. Await it directly instead.", nameof(function));
        }
        return RunCoreAsync(function, cancellable, limiter ?? DefaultLimiter, cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> on a thread-pool thread and waits for it.</summary>
    /// <param name="action">Blocking, synchronous code.</param>
    /// <param name="cancellable">False (the default): a cancel waits for the thread. True: a cancel returns at once and abandons the thread.</param>
    /// <param name="limiter">The limiter to borrow a token from; null (the default) for <see cref="DefaultLimiter"/>.</param>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>A Task that completes, on the caller's loop, when the action has run.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="action"/> is null.</exception>
    /// <exception cref="Cancelled">The code is cancelled on entry, while waiting for a token, or (when <paramref name="cancellable"/>) while the thread runs.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (same points).</exception>
    public static Task RunAsync(Action action, bool cancellable = false, CapacityLimiter? limiter = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return RunCoreAsync<object?>(() =>
        {
            action();
            return null;
        }, cancellable, limiter ?? DefaultLimiter, cancellationToken);
    }

    /// <summary>Whether values of <paramref name="type"/> are tasks: a sign of an async function given as a blocking one.</summary>
    internal static bool IsAwaitable(Type type)
        => typeof(Task).IsAssignableFrom(type) || type == typeof(ValueTask)
            || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>));

    static async Task<T> RunCoreAsync<T>(Func<T> function, bool cancellable, CapacityLimiter limiter, CancellationToken cancellationToken)
    {
        var task = Blocking.CurrentTask();
        var call = new WorkerCall<T>(function, task, cancellable, limiter);
        // The entry checkpoint and the wait for a token (cancellable, whatever `cancellable` says, as in Trio).
        await limiter.AcquireOnBehalfOfAsync(call, cancellationToken);
        var wait = call.Start(cancellationToken);
        while (true)
        {
            await wait;
            if (call.TakeRequest() is not { } request)
                return call.GetResult();
            await call.ServeAsync(request);
            wait = call.Resume(request, cancellationToken);
        }
    }
}
