using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Structured;

/// <summary>
/// How the System.Threading.Channels views end an operation without throwing at the call: System.Threading.Channels
/// code expects every failure (a cancelled token, a closed channel) in the returned <see cref="ValueTask"/>, so that
/// <c>reader.ReadAsync(token).AsTask()</c> inside <c>Task.WhenAny</c> works.
/// </summary>
internal static class ViewResults
{
    /// <summary>
    /// A failed ValueTask: Canceled for an <see cref="OperationCanceledException"/> (a <see cref="Cancelled"/> of the
    /// ambient scope included; awaiting it rethrows that very exception, its reason intact), Faulted otherwise.
    /// </summary>
    internal static ValueTask Failed(Exception error)
        => error is OperationCanceledException ? CanceledAsync(error) : ValueTask.FromException(error);

    /// <inheritdoc cref="Failed(Exception)"/>
    internal static ValueTask<T> Failed<T>(Exception error)
        => error is OperationCanceledException ? CanceledAsync<T>(error) : ValueTask.FromException<T>(error);

    // An async method that throws an OperationCanceledException ends Canceled and keeps the exception object; a
    // Task.FromException would be Faulted, and Task.FromCanceled would lose the exception (and a Cancelled's reason).
    static async ValueTask CanceledAsync(Exception error)
    {
        await Task.CompletedTask;
        ExceptionDispatchInfo.Throw(error);
    }

    static async ValueTask<T> CanceledAsync<T>(Exception error)
    {
        await Task.CompletedTask;
        ExceptionDispatchInfo.Throw(error);
        return default!;
    }

    /// <summary>
    /// What <c>ReadAsync</c>/<c>WriteAsync</c> throw once the channel was completed with <paramref name="inner"/>, as
    /// System.Threading.Channels: <see cref="ChannelClosedException"/> holding it, except that an
    /// <see cref="OperationCanceledException"/> comes out as itself.
    /// </summary>
    internal static Exception Closed(Exception? inner)
        => inner as OperationCanceledException ?? (Exception)new ChannelClosedException(inner);
}
