using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Structured;

/// <summary>
/// A send end over a System.Threading.Channels <see cref="ChannelWriter{T}"/>
/// (<see cref="MemoryChannel.FromWriter{T}(ChannelWriter{T})"/>): our checkpoints, ambient cancellation, clone and
/// close on top of the writer. Closing the last clone completes the writer.
/// </summary>
/// <remarks>
/// A send writes with a synchronous <c>TryWrite</c> when it can, else waits in the writer's <c>WriteAsync</c>
/// (see <see cref="SendSlowAsync"/> for why, and for the cancellation-safety argument).
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
internal sealed class WriterSendChannel<T> : SendChannel<T>
{
    const string What = "wrapped ChannelWriter send";

    readonly ChannelWriter<T> _writer;
    readonly WrappedHandle _handle;

    internal WriterSendChannel(WrappedEnds ends, ChannelWriter<T> writer)
    {
        _writer = writer;
        _handle = new WrappedHandle(ends);
    }

    public override bool IsClosed => _handle.IsClosed;

    public override ChannelStatistics Statistics => new()
    {
        BufferUsed = -1,
        Capacity = -1,
        OpenSendChannels = Volatile.Read(ref _handle.Ends.Open),
        OpenReceiveChannels = -1,
        TasksWaitingSend = Volatile.Read(ref _handle.Ends.Waiting),
        TasksWaitingReceive = -1,
    };

    public override ValueTask SendAsync(T item, CancellationToken cancellationToken = default)
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        if (_handle.IsClosed)
            throw WrappedHandle.Closed(What);
        if (!_writer.TryWrite(item))
            return SendSlowAsync(task, item, cancellationToken);
        return Blocking.CompletedWithoutBlocking(task);
    }

    /// <summary>
    /// The writer's own <c>WriteAsync</c>, woken also by the ambient scope, the caller's token and this clone's close.
    /// Not <c>WaitToWriteAsync</c> + <c>TryWrite</c>: a rendezvous channel (<c>Channel.CreateBounded(0)</c>) lets
    /// <c>WaitToWriteAsync</c> through only for a reader blocked in <c>ReadAsync</c>, so two wrapped ends waiting
    /// with <c>WaitTo...Async</c> would wait for each other for ever.
    /// </summary>
    /// <remarks>
    /// Cancellation safety rests on the writer's contract that a cancelled <c>WriteAsync</c> wrote nothing (its built-in
    /// channels settle the race between the canceller and a reader's hand-off in favour of exactly one; the base class's
    /// <c>WriteAsync</c> writes only with a synchronous <c>TryWrite</c>). Once <c>WriteAsync</c> returned, the item is
    /// in the channel and the send has succeeded.
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    async ValueTask SendSlowAsync(TaskInfo task, T item, CancellationToken cancellationToken)
    {
        if (_handle.ClosingToken() is not { } closing)
            throw WrappedHandle.Closed(What);
        Interlocked.Increment(ref _handle.Ends.Waiting);
        using var linked = LinkedToken.Create(CancelScope.CurrentToken, cancellationToken, closing);
        try
        {
            await _writer.WriteAsync(item, linked.Token);
        }
        catch (OperationCanceledException) when (linked.Token.IsCancellationRequested)
        {
            Blocking.ThrowIfCancelled(task);
            cancellationToken.ThrowIfCancellationRequested();
            throw WrappedHandle.Closed(What);
        }
        catch (ChannelClosedException e)
        {
            throw Broken(e.InnerException);
        }
        catch (OperationCanceledException e)
        {
            // System.Threading.Channels passes an OperationCanceledException the channel completed with through as itself.
            throw Broken(e);
        }
        finally
        {
            Interlocked.Decrement(ref _handle.Ends.Waiting);
        }
    }

    async ValueTask<bool> WaitCoreAsync(TaskInfo task, CancellationToken cancellationToken)
    {
        if (_handle.ClosingToken() is not { } closing)
            throw WrappedHandle.Closed(What);
        using var linked = LinkedToken.Create(CancelScope.CurrentToken, cancellationToken, closing);
        try
        {
            return await _writer.WaitToWriteAsync(linked.Token);
        }
        catch (OperationCanceledException) when (linked.Token.IsCancellationRequested)
        {
            Blocking.ThrowIfCancelled(task);
            cancellationToken.ThrowIfCancellationRequested();
            throw WrappedHandle.Closed(What);
        }
    }

    static BrokenResourceException Broken(Exception? error)
        => error is null
            ? new("The wrapped ChannelWriter was completed, so nothing more can be sent. Stop sending.")
            : new("The wrapped ChannelWriter was completed with an error (see InnerException); nothing more can be sent.", error);

    public override bool TrySend(T item)
    {
        if (_handle.IsClosed)
            throw WrappedHandle.Closed(What);
        return _writer.TryWrite(item);
    }

    public override SendChannel<T> Clone()
    {
        _handle.AddClone(What);
        return new WriterSendChannel<T>(_handle.Ends, _writer);
    }

    public override void Close() => TryComplete(error: null);

    internal override Exception? CompletedWith => _handle.CompletedWith;

    internal override bool TryComplete(Exception? error)
    {
        switch (_handle.Close(error))
        {
            case null:
                return false;
            case true:
                _writer.TryComplete(_handle.Ends.Error);
                return true;
            default:
                return true;
        }
    }

    internal override async ValueTask<bool> WaitToSendAsync(CancellationToken cancellationToken)
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        if (_handle.IsClosed)
            return false;
        try
        {
            return await WaitCoreAsync(task, cancellationToken);
        }
        catch (ClosedResourceException)
        {
            return false;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    public override string ToString() => $"send end ({(_handle.IsClosed ? "closed" : "open")}) over a {_writer.GetType().Name}";
}
