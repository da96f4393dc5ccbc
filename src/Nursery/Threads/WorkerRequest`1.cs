namespace Structured;

/// <summary>A <see cref="WorkerRequest"/> whose function gives a <typeparamref name="T"/>: synchronously or through a Task.</summary>
internal sealed class WorkerRequest<T> : WorkerRequest
{
    readonly Func<T>? _sync;
    readonly Func<Task<T>>? _async;

    WorkerRequest(Func<T>? sync, Func<Task<T>>? async)
    {
        _sync = sync;
        _async = async;
    }

    /// <summary>A request to run synchronous code.</summary>
    internal static WorkerRequest<T> ForSync(Func<T> function) => new(function, null);

    /// <summary>A request to run async code and await it.</summary>
    internal static WorkerRequest<T> ForAsync(Func<Task<T>> function) => new(null, function);

    /// <summary>The function's value, read by the worker once the request is done.</summary>
    internal T Result { get; private set; } = default!;

    /// <summary>Runs on the worker: sends the request to the caller and returns the outcome.</summary>
    internal T SendFrom(WorkerCall call)
    {
        call.Send(this);
        Error?.Throw();
        return Result;
    }

    protected override Task Begin(TaskInfo caller)
    {
        EnterCaller(caller);
        if (_sync is not null)
        {
            Result = _sync();
            return Task.CompletedTask;
        }
        return AwaitAsync(_async!() ?? throw NullTask.Returned("The function given to FromThread.Run"));
    }

    async Task AwaitAsync(Task<T> running) => Result = await running;
}
