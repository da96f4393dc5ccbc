using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Structured;

/// <summary>
/// Reads the exception a finished Task holds without throwing it. Throwing costs microseconds (more under
/// a sandbox), and a cancelled task would otherwise throw a second time only to be inspected (workloads W5
/// and W6 cancel 100,000 tasks).
/// </summary>
internal static class TaskErrors
{
    static volatile bool s_accessorMissing;

    /// <summary>The task's exception (the aggregate itself when it holds more than one), or null when it succeeded.</summary>
    internal static Exception? ErrorOf(Task task)
    {
        if (task.IsCompletedSuccessfully)
            return null;
        if (task.IsFaulted)
        {
            var all = task.Exception!;
            return all.InnerExceptions.Count == 1 ? all.InnerExceptions[0] : all;
        }
        if (!s_accessorMissing)
        {
            try
            {
                // The OperationCanceledException an async method threw, kept by the runtime for await to rethrow.
                if (GetCancellationExceptionDispatchInfo(task) is { } info)
                    return info.SourceException;
            }
            catch (MissingMethodException)
            {
                s_accessorMissing = true; // another runtime: fall back to rethrowing
            }
        }
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            return e;
        }
        return new TaskCanceledException(task);
    }

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "GetCancellationExceptionDispatchInfo")]
    static extern ExceptionDispatchInfo? GetCancellationExceptionDispatchInfo(Task task);
}
