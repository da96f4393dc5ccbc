using System.Runtime.ExceptionServices;

namespace Structured;

/// <summary>A <see cref="WorkerCall"/> of a function that returns a <typeparamref name="T"/>.</summary>
internal sealed class WorkerCall<T>(Func<T> function, TaskInfo caller, bool cancellable, CapacityLimiter limiter)
    : WorkerCall(caller, cancellable, limiter)
{
    T _result = default!;
    ExceptionDispatchInfo? _error;

    /// <summary>The function's result, or its exception rethrown as itself. On the caller, once the call ended.</summary>
    internal T GetResult()
    {
        _error?.Throw();
        ThrowIfFailed();
        return _result;
    }

    protected override void Invoke()
    {
        try
        {
            _result = function();
        }
        catch (Exception e)
        {
            _error = ExceptionDispatchInfo.Capture(e);
        }
    }
}
