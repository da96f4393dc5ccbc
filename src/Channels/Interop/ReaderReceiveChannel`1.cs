using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Structured;

/// <summary>
/// A receive end over a System.Threading.Channels <see cref="ChannelReader{T}"/>
/// (<see cref="MemoryChannel.FromReader{T}(ChannelReader{T})"/>): our checkpoints, ambient cancellation, clone and
/// close on top of the reader.
/// </summary>
/// <remarks>
/// A receive takes a ready item with a synchronous <c>TryRead</c>, else waits in the reader's <c>ReadAsync</c>
/// (see <see cref="ReceiveSlowAsync"/> for why, and for the cancellation-safety argument).
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
internal sealed class ReaderReceiveChannel<T> : ReceiveChannel<T>
{
    const string What = "wrapped ChannelReader receive";

    readonly ChannelReader<T> _reader;
    readonly WrappedHandle _handle;

    internal ReaderReceiveChannel(WrappedEnds ends, ChannelReader<T> reader)
    {
        _reader = reader;
        _handle = new WrappedHandle(ends);
    }

    public override bool IsClosed => _handle.IsClosed;

    public override ChannelStatistics Statistics => new()
    {
        BufferUsed = _reader.CanCount ? _reader.Count : -1,
        Capacity = -1,
        OpenSendChannels = -1,
        OpenReceiveChannels = Volatile.Read(ref _handle.Ends.Open),
        TasksWaitingSend = -1,
        TasksWaitingReceive = Volatile.Read(ref _handle.Ends.Waiting),
    };

    public override ValueTask<T> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        if (_handle.IsClosed)
            throw WrappedHandle.Closed(What);
        if (!_reader.TryRead(out var item))
            return ReceiveSlowAsync(task, cancellationToken);
        var yield = Blocking.CompletedWithoutBlocking(task);
        return yield.IsCompletedSuccessfully ? new ValueTask<T>(item) : YieldThenReturn(yield, item);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    static async ValueTask<T> YieldThenReturn(ValueTask yield, T item)
    {
        await yield;
        return item;
    }

    /// <summary>
    /// The reader's own <c>ReadAsync</c>, woken also by the ambient scope, the caller's token and this clone's close.
    /// Not <c>WaitToReadAsync</c> + <c>TryRead</c>: a rendezvous channel (<c>Channel.CreateBounded(0)</c>) hands an
    /// item only to a reader blocked in <c>ReadAsync</c>, so a writer waiting in <c>WaitToWriteAsync</c> and a reader
    /// waiting in <c>WaitToReadAsync</c> would wait for each other for ever.
    /// </summary>
    /// <remarks>
    /// Cancellation safety rests on the reader's contract that a cancelled <c>ReadAsync</c> took nothing (its built-in
    /// channels settle the race between the canceller and a writer's hand-off in favour of exactly one; the base
    /// class's <c>ReadAsync</c> takes an item only with a synchronous <c>TryRead</c>). Once <c>ReadAsync</c> returned an
    /// item, nothing cancels the receive: a cancellation that came too late is seen at the next checkpoint.
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    async ValueTask<T> ReceiveSlowAsync(TaskInfo task, CancellationToken cancellationToken)
    {
        if (_handle.ClosingToken() is not { } closing)
            throw WrappedHandle.Closed(What);
        Interlocked.Increment(ref _handle.Ends.Waiting);
        using var linked = LinkedToken.Create(CancelScope.CurrentToken, cancellationToken, closing);
        try
        {
            return await _reader.ReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (linked.Token.IsCancellationRequested)
        {
            Blocking.ThrowIfCancelled(task);
            cancellationToken.ThrowIfCancellationRequested();
            throw WrappedHandle.Closed(What);
        }
        catch (ChannelClosedException e)
        {
            throw Ended(e.InnerException);
        }
        catch (OperationCanceledException e)
        {
            // System.Threading.Channels passes an OperationCanceledException the writer completed with through as itself.
            throw Ended(e);
        }
        finally
        {
            Interlocked.Decrement(ref _handle.Ends.Waiting);
        }
    }

    static EndOfChannelException Ended(Exception? error)
        => error is null
            ? new EndOfChannelException()
            : new EndOfChannelException("The wrapped ChannelReader completed with an error (see InnerException).", error);

    /// <summary>The reader's WaitToReadAsync, woken also by the ambient scope, the caller's token and this clone's close.</summary>
    async ValueTask<bool> WaitCoreAsync(TaskInfo task, CancellationToken cancellationToken)
    {
        if (_handle.ClosingToken() is not { } closing)
            throw WrappedHandle.Closed(What);
        using var linked = LinkedToken.Create(CancelScope.CurrentToken, cancellationToken, closing);
        try
        {
            return await _reader.WaitToReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (linked.Token.IsCancellationRequested)
        {
            Blocking.ThrowIfCancelled(task);
            cancellationToken.ThrowIfCancellationRequested();
            throw WrappedHandle.Closed(What);
        }
    }

    public override bool TryReceive(out T item)
    {
        if (_handle.IsClosed)
            throw WrappedHandle.Closed(What);
        return _reader.TryRead(out item!);
    }

    public override ReceiveChannel<T> Clone()
    {
        _handle.AddClone(What);
        return new ReaderReceiveChannel<T>(_handle.Ends, _reader);
    }

    public override void Close() => _handle.Close(error: null);

    internal override async ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken)
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
    }

    internal override bool TryPeek(out T item)
    {
        if (!_handle.IsClosed && _reader.CanPeek)
            return _reader.TryPeek(out item!);
        item = default!;
        return false;
    }

    internal override bool CanCount => _reader.CanCount;

    internal override bool CanPeek => _reader.CanPeek;

    internal override int ReadyCount => _reader.CanCount ? _reader.Count : 0;

    internal override Task Completion => _reader.Completion;

    internal override Exception? CompletionError => _reader.Completion switch
    {
        { IsFaulted: true } faulted => faulted.Exception!.InnerException,
        // Completed with an OperationCanceledException: System.Threading.Channels cancels Completion rather than faults it.
        { IsCanceled: true } canceled => new TaskCanceledException(canceled),
        _ => null,
    };

    public override string ToString() => $"receive end ({(_handle.IsClosed ? "closed" : "open")}) over a {_reader.GetType().Name}";
}
