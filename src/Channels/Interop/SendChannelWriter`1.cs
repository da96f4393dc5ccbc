using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Structured;

/// <summary>
/// A <see cref="SendChannel{T}"/> seen as a System.Threading.Channels <see cref="ChannelWriter{T}"/>
/// (<see cref="SendChannel{T}.AsWriter"/>). It translates our errors into the ones System.Threading.Channels code expects:
/// a closed end or a broken channel is <see cref="ChannelClosedException"/> from <c>WriteAsync</c> and false from the
/// <c>Try</c> and <c>Wait</c> methods; an end completed with an error reports that error as System.Threading.Channels
/// does (inside <see cref="ChannelClosedException"/> from <c>WriteAsync</c>, as itself from <c>WaitToWriteAsync</c>).
/// </summary>
/// <remarks>
/// Nothing throws at the call: every failure, a cancelled token or scope included, is in the returned ValueTask. A
/// pending ValueTask is a pooled one that takes a single continuation and one <c>GetResult</c>, as the
/// System.Threading.Channels ones do.
/// </remarks>
internal sealed class SendChannelWriter<T>(SendChannel<T> send) : ChannelWriter<T>
{
    Func<ValueTask<bool>, bool>? _finishWait;
    Func<ValueTask, bool>? _finishWrite;

    public override bool TryComplete(Exception? error = null) => send.TryComplete(error);

    public override bool TryWrite(T item)
    {
        if (send.IsClosed)
            return false;
        try
        {
            return send.TrySend(item);
        }
        catch (ClosedResourceException)
        {
            return false;
        }
    }

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
    {
        // System.Threading.Channels looks at the token first, even on a completed channel.
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<bool>(cancellationToken);
        if (send.CompletedWith is { } completedWith)
            return ViewResults.Failed<bool>(completedWith);
        ValueTask<bool> pending;
        try
        {
            pending = send.WaitToSendAsync(cancellationToken);
        }
        catch (Exception e)
        {
            return ViewResults.Failed<bool>(e);
        }
        return ViewOperation<bool>.Start(pending, _finishWait ??= FinishWait);
    }

    /// <summary>A wait that ended: false once this end is closed or the channel broken, or the error this end was completed with.</summary>
    bool FinishWait(ValueTask<bool> pending)
    {
        bool ready = pending.GetAwaiter().GetResult();
        if (!ready && send.CompletedWith is { } error)
            ExceptionDispatchInfo.Throw(error);
        return ready;
    }

    public override ValueTask WriteAsync(T item, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled(cancellationToken);
        ValueTask pending;
        try
        {
            pending = send.SendAsync(item, cancellationToken);
        }
        catch (Exception e)
        {
            return ViewResults.Failed(Translate(e));
        }
        if (pending.IsCompletedSuccessfully)
        {
            pending.GetAwaiter().GetResult();
            return default;
        }
        return ViewOperation<bool>.StartPlain(pending, _finishWrite ??= FinishWrite);
    }

    bool FinishWrite(ValueTask pending)
    {
        try
        {
            pending.GetAwaiter().GetResult();
            return true;
        }
        catch (Exception e) when (e is ClosedResourceException or BrokenResourceException)
        {
            throw Translate(e);
        }
    }

    /// <summary>
    /// Our error as System.Threading.Channels code expects it: this end completed with an error is that error inside
    /// <see cref="ChannelClosedException"/> (an <see cref="OperationCanceledException"/> as itself); closed without
    /// one, or broken, is <see cref="ChannelClosedException"/> holding our exception; anything else is itself.
    /// </summary>
    Exception Translate(Exception error)
    {
        if (error is ClosedResourceException && send.CompletedWith is { } completedWith)
            return ViewResults.Closed(completedWith);
        return error is ClosedResourceException or BrokenResourceException ? new ChannelClosedException(error) : error;
    }

    public override string ToString() => $"ChannelWriter view of the {send}";
}
