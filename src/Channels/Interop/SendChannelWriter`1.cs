using System.Threading.Channels;

namespace Structured;

/// <summary>
/// A <see cref="SendChannel{T}"/> seen as a System.Threading.Channels <see cref="ChannelWriter{T}"/>
/// (<see cref="SendChannel{T}.AsWriter"/>). It translates our errors into the ones System.Threading.Channels code expects:
/// a closed end or a broken channel is <see cref="ChannelClosedException"/> from <c>WriteAsync</c> and false from the
/// <c>Try</c> and <c>Wait</c> methods.
/// </summary>
internal sealed class SendChannelWriter<T>(SendChannel<T> send) : ChannelWriter<T>
{
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
        => send.WaitToSendAsync(cancellationToken);

    public override ValueTask WriteAsync(T item, CancellationToken cancellationToken = default)
    {
        ValueTask pending;
        try
        {
            pending = send.SendAsync(item, cancellationToken);
        }
        catch (ClosedResourceException e)
        {
            return ValueTask.FromException(new ChannelClosedException(e));
        }
        catch (BrokenResourceException e)
        {
            return ValueTask.FromException(new ChannelClosedException(e));
        }
        if (pending.IsCompletedSuccessfully)
        {
            pending.GetAwaiter().GetResult();
            return default;
        }
        return AwaitWriteAsync(pending);
    }

    static async ValueTask AwaitWriteAsync(ValueTask pending)
    {
        try
        {
            await pending;
        }
        catch (ClosedResourceException e)
        {
            throw new ChannelClosedException(e);
        }
        catch (BrokenResourceException e)
        {
            throw new ChannelClosedException(e);
        }
    }

    public override string ToString() => $"ChannelWriter view of the {send}";
}
