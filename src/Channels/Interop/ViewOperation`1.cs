using System.Threading.Tasks.Sources;

namespace Structured;

/// <summary>
/// The pending ValueTask of a System.Threading.Channels view's operation: it waits for our own operation (a send, a
/// receive, a wait), then finishes it the view's way (translating our errors into System.Threading.Channels' ones).
/// Pooled, so a view's blocking operation allocates nothing once warm.
/// </summary>
/// <remarks>
/// <para>It keeps System.Threading.Channels' rules for its ValueTasks: one continuation (a second one throws
/// <see cref="InvalidOperationException"/>, checked before anything else: <see cref="ManualResetValueTaskSourceCore{TResult}"/>
/// alone, as in a pooling async method, stores the first continuation's context first and then fails the second with an
/// <see cref="InvalidCastException"/> when a <see cref="SynchronizationContext"/> such as the loop's is current), one
/// <c>GetResult</c>, and no synchronous wait: <c>GetResult</c> before completion throws instead of blocking, which on the
/// loop thread would block the very thread that has to complete it.</para>
/// <para>An awaiting loop task resumes as its next step on its loop, as a <see cref="Parker"/> resumes it (not through a
/// <see cref="SynchronizationContext.Post"/>, which would allocate); any other awaiter as
/// <see cref="ManualResetValueTaskSourceCore{TResult}"/> resumes it.</para>
/// <para>Thread-safety: the inner operation completes once, on its own scheduler (the loop for a loop task); the
/// continuation flag is set with an interlocked operation; the pool is taken from and returned to with interlocked
/// operations.</para>
/// </remarks>
internal sealed class ViewOperation<T> : IValueTaskSource<T>, IValueTaskSource
{
    // A few free operations per item type, shared by every thread (taken and returned with interlocked operations):
    // enough for the operations a handful of tasks have pending at once; more are allocated and dropped.
    static readonly ViewOperation<T>?[] s_pool = new ViewOperation<T>?[8];

    ManualResetValueTaskSourceCore<T> _core;
    readonly Action _onInnerCompleted;
    ValueTask<T> _inner;
    ValueTask _innerPlain;
    Func<ValueTask<T>, T>? _finish;
    Func<ValueTask, T>? _finishPlain;
    int _continued;

    // A continuation that resumes a loop task, scheduled on its loop as the task's next step (as a Parker does),
    // rather than posted through its SynchronizationContext, which would allocate for every operation.
    static readonly Action<object?> s_resumeTask = static state => ((ViewOperation<T>)state!).ResumeTask();
    TaskInfo? _task;
    Action<object?>? _taskContinuation;
    object? _taskState;
    ExecutionContext? _taskContext;

    ViewOperation()
    {
        _onInnerCompleted = OnInnerCompleted;
        // The continuation is scheduled by the core itself (on the awaiter's context when it captured one).
        _core.RunContinuationsAsynchronously = false;
    }

    /// <summary>Waits for <paramref name="inner"/>, then completes with what <paramref name="finish"/> makes of it.</summary>
    internal static ValueTask<T> Start(ValueTask<T> inner, Func<ValueTask<T>, T> finish)
    {
        if (inner.IsCompleted)
        {
            // Finished already: finish it now; a continuation on a completed ValueTask could run on the thread pool.
            try
            {
                return new ValueTask<T>(finish(inner));
            }
            catch (Exception e)
            {
                return ViewResults.Failed<T>(e);
            }
        }
        var operation = Rent();
        operation._inner = inner;
        operation._finish = finish;
        inner.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(operation._onInnerCompleted);
        return new ValueTask<T>(operation, operation._core.Version);
    }

    /// <summary>
    /// <see cref="Start"/> for a non-generic ValueTask (<c>WriteAsync</c>): the result of <paramref name="finish"/> is dropped.
    /// </summary>
    internal static ValueTask StartPlain(ValueTask inner, Func<ValueTask, T> finish)
    {
        if (inner.IsCompleted)
        {
            // Finished already: finish it now; a continuation on a completed ValueTask could run on the thread pool.
            try
            {
                finish(inner);
                return default;
            }
            catch (Exception e)
            {
                return ViewResults.Failed(e);
            }
        }
        var operation = Rent();
        operation._innerPlain = inner;
        operation._finishPlain = finish;
        inner.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(operation._onInnerCompleted);
        return new ValueTask(operation, operation._core.Version);
    }

    static ViewOperation<T> Rent()
    {
        var pool = s_pool;
        for (int i = 0; i < pool.Length; i++)
        {
            if (Volatile.Read(ref pool[i]) is not null && Interlocked.Exchange(ref pool[i], null) is { } pooled)
            {
                pooled._continued = 0;
                return pooled;
            }
        }
        return new ViewOperation<T>();
    }

    static void Release(ViewOperation<T> operation)
    {
        var pool = s_pool;
        for (int i = 0; i < pool.Length; i++)
        {
            if (Interlocked.CompareExchange(ref pool[i], operation, null) is null)
                return;
        }
    }

    void OnInnerCompleted()
    {
        T result;
        try
        {
            result = _finish is { } finish ? finish(_inner) : _finishPlain!(_innerPlain);
        }
        catch (Exception error)
        {
            Clear();
            _core.SetException(error);
            return;
        }
        Clear();
        _core.SetResult(result);
    }

    void Clear()
    {
        _inner = default;
        _innerPlain = default;
        _finish = null;
        _finishPlain = null;
    }

    ValueTaskSourceStatus Status(short token) => _core.GetStatus(token);

    void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        _core.GetStatus(token); // throws InvalidOperationException for a ValueTask already consumed
        if (Interlocked.Exchange(ref _continued, 1) != 0)
            throw new InvalidOperationException("This ValueTask of a channel view already has a continuation; a ValueTask may be awaited once (use AsTask() to await it again).");
        if ((flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0
            && SynchronizationContext.Current is Parker { Task: var task })
        {
            _task = task;
            _taskContinuation = continuation;
            _taskState = state;
            _taskContext = (flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0 ? ExecutionContext.Capture() : null;
            _core.OnCompleted(s_resumeTask, this, token, ValueTaskSourceOnCompletedFlags.None);
            return;
        }
        _core.OnCompleted(continuation, state, token, flags);
    }

    void ResumeTask()
    {
        var task = _task!;
        var continuation = _taskContinuation!;
        var state = _taskState;
        var context = _taskContext;
        _task = null;
        _taskContinuation = null;
        _taskState = null;
        _taskContext = null;
        task.ScheduleContinuation(continuation, state, context);
    }

    T GetResult(short token)
    {
        if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            throw new InvalidOperationException(
                "This ValueTask of a channel view has not completed: await it rather than wait for it (on the loop thread a blocking wait would stop the loop that has to complete it).");
        }
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            Release(this);
        }
    }

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => Status(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => Status(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => OnCompleted(continuation, state, token, flags);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => OnCompleted(continuation, state, token, flags);

    T IValueTaskSource<T>.GetResult(short token) => GetResult(token);

    void IValueTaskSource.GetResult(short token) => GetResult(token);
}
