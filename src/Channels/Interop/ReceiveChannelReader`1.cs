using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Structured;

/// <summary>
/// A <see cref="ReceiveChannel{T}"/> seen as a System.Threading.Channels <see cref="ChannelReader{T}"/>
/// (<see cref="ReceiveChannel{T}.AsReader"/>). It translates our errors into the ones System.Threading.Channels code
/// expects: the end of the stream (or a closed end) is false from <c>WaitToReadAsync</c> and <c>TryRead</c> and
/// <see cref="ChannelClosedException"/> from <c>ReadAsync</c>; the senders' error is thrown by <c>WaitToReadAsync</c>
/// (and by <c>ReadAsync</c> inside <see cref="ChannelClosedException"/>, an <see cref="OperationCanceledException"/> as itself).
/// </summary>
/// <remarks>
/// Nothing throws at the call: every failure, a cancelled token or scope included, is in the returned ValueTask. A
/// pending ValueTask is a pooled one that takes a single continuation and one <c>GetResult</c>, as the
/// System.Threading.Channels ones do.
/// </remarks>
internal sealed class ReceiveChannelReader<T>(ReceiveChannel<T> receive) : ChannelReader<T>
{
    Func<ValueTask<bool>, bool>? _finishWait;

    public override Task Completion => receive.Completion;

    public override bool CanCount => receive.CanCount;

    public override int Count => receive.ReadyCount;

    public override bool CanPeek => receive.CanPeek;

    public override bool TryPeek([MaybeNullWhen(false)] out T item) => receive.TryPeek(out item);

    public override bool TryRead([MaybeNullWhen(false)] out T item)
    {
        if (!receive.IsClosed)
        {
            try
            {
                return receive.TryReceive(out item);
            }
            catch (ClosedResourceException)
            {
            }
        }
        item = default;
        return false;
    }

    public override ValueTask<T> ReadAsync(CancellationToken cancellationToken = default)
    {
        // System.Threading.Channels looks at the token first, even when an item is ready or the channel completed.
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<T>(cancellationToken);
        ValueTask<T> pending;
        try
        {
            pending = receive.ReceiveAsync(cancellationToken);
        }
        catch (Exception e)
        {
            return ViewResults.Failed<T>(Translate(e));
        }
        return pending.IsCompletedSuccessfully ? new ValueTask<T>(pending.Result) : ViewOperation<T>.Start(pending, FinishRead);
    }

    static readonly Func<ValueTask<T>, T> FinishRead = static pending =>
    {
        try
        {
            return pending.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is EndOfChannelException or ClosedResourceException)
        {
            throw Translate(e);
        }
    };

    /// <summary>The end of the stream is <see cref="ChannelClosedException"/> holding the senders' error, if any; a closed end is that exception holding ours.</summary>
    static Exception Translate(Exception error) => error switch
    {
        EndOfChannelException end => ViewResults.Closed(end.InnerException),
        ClosedResourceException closed => new ChannelClosedException(closed),
        _ => error,
    };

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<bool>(cancellationToken);
        ValueTask<bool> pending;
        try
        {
            pending = receive.WaitToReceiveAsync(cancellationToken);
        }
        catch (Exception e)
        {
            return ViewResults.Failed<bool>(e);
        }
        return ViewOperation<bool>.Start(pending, _finishWait ??= FinishWait);
    }

    /// <summary>A wait that ended: false at the end of the stream, or the senders' error.</summary>
    bool FinishWait(ValueTask<bool> pending)
    {
        bool ready = pending.GetAwaiter().GetResult();
        if (!ready && !receive.IsClosed && receive.CompletionError is { } error)
            ExceptionDispatchInfo.Throw(error);
        return ready;
    }

    public override string ToString() => $"ChannelReader view of the {receive}";
}
