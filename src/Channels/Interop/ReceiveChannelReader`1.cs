using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Structured;

/// <summary>
/// A <see cref="ReceiveChannel{T}"/> seen as a System.Threading.Channels <see cref="ChannelReader{T}"/>
/// (<see cref="ReceiveChannel{T}.AsReader"/>). It translates our errors into the ones System.Threading.Channels code
/// expects: the end of the stream (or a closed end) is false from <c>WaitToReadAsync</c> and <c>TryRead</c> and
/// <see cref="ChannelClosedException"/> from <c>ReadAsync</c>; the senders' error is thrown by <c>WaitToReadAsync</c>.
/// </summary>
internal sealed class ReceiveChannelReader<T>(ReceiveChannel<T> receive) : ChannelReader<T>
{
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
        ValueTask<T> pending;
        try
        {
            pending = receive.ReceiveAsync(cancellationToken);
        }
        catch (EndOfChannelException e)
        {
            return ValueTask.FromException<T>(new ChannelClosedException(e.InnerException));
        }
        catch (ClosedResourceException e)
        {
            return ValueTask.FromException<T>(new ChannelClosedException(e));
        }
        return pending.IsCompletedSuccessfully ? new ValueTask<T>(pending.Result) : AwaitReadAsync(pending);
    }

    static async ValueTask<T> AwaitReadAsync(ValueTask<T> pending)
    {
        try
        {
            return await pending;
        }
        catch (EndOfChannelException e)
        {
            throw new ChannelClosedException(e.InnerException);
        }
        catch (ClosedResourceException e)
        {
            throw new ChannelClosedException(e);
        }
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        var pending = receive.WaitToReceiveAsync(cancellationToken);
        if (!pending.IsCompletedSuccessfully)
            return AwaitWaitAsync(pending);
        bool ready = pending.Result;
        if (!ready && !receive.IsClosed && receive.CompletionError is { } error)
            return ValueTask.FromException<bool>(error);
        return new ValueTask<bool>(ready);
    }

    async ValueTask<bool> AwaitWaitAsync(ValueTask<bool> pending)
    {
        bool ready = await pending;
        if (!ready && !receive.IsClosed && receive.CompletionError is { } error)
            ExceptionDispatchInfo.Throw(error);
        return ready;
    }

    public override string ToString() => $"ChannelReader view of the {receive}";
}
