using System.Runtime.CompilerServices;

namespace Structured;

/// <summary>The part of a memory channel that its System.Threading.Channels views use: waiting to read or write, peeking, counting, completion. Every method with the <c>Locked</c> suffix runs under the channel's lock.</summary>
internal sealed partial class MemoryChannelCore<T>
{
    internal ValueTask<bool> WaitToReceiveAsync(MemoryReceiveChannel<T> end, CancellationToken cancellationToken)
        => WaitAsync(end, reading: true, cancellationToken);

    internal ValueTask<bool> WaitToSendAsync(MemorySendChannel<T> end, CancellationToken cancellationToken)
        => WaitAsync(end, reading: false, cancellationToken);

    ValueTask<bool> WaitAsync(object end, bool reading, CancellationToken cancellationToken)
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        int ready;
        lock (_gate)
            ready = reading ? ReadReadyLocked((MemoryReceiveChannel<T>)end) : WriteReadyLocked((MemorySendChannel<T>)end);
        if (ready < 0)
            return WaitSlowAsync(task, end, reading, cancellationToken);
        var yield = Blocking.CompletedWithoutBlocking(task);
        return yield.IsCompletedSuccessfully ? new ValueTask<bool>(ready == 1) : YieldThenReturnBool(yield, ready == 1);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    static async ValueTask<bool> YieldThenReturnBool(ValueTask yield, bool result)
    {
        await yield;
        return result;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    async ValueTask<bool> WaitSlowAsync(TaskInfo task, object end, bool reading, CancellationToken cancellationToken)
    {
        var queue = reading ? _readWaiters : _writeWaiters;
        while (true)
        {
            Parker parker;
            ValueTask wait;
            lock (_gate)
            {
                int ready = reading ? ReadReadyLocked((MemoryReceiveChannel<T>)end) : WriteReadyLocked((MemorySendChannel<T>)end);
                if (ready >= 0)
                    return ready == 1;
                parker = task.RentParker();
                queue.Enqueue(parker);
                wait = parker.Park(this);
            }
            Blocking.RegisterWithScope(task, parker, cancellationToken);
            try
            {
                await wait;
            }
            catch
            {
                lock (_gate)
                    queue.Remove(parker);
                throw;
            }
        }
    }

    /// <summary>1: an item is ready; 0: never again (end closed, or stream ended and drained); -1: wait.</summary>
    int ReadReadyLocked(MemoryReceiveChannel<T> end)
    {
        if (end.ClosedLocked)
            return 0;
        if (_count > 0 || _senders.Count > 0)
            return 1;
        return _openSend == 0 ? 0 : -1;
    }

    /// <summary>1: a send would not block; 0: never again (end closed, or channel broken); -1: wait.</summary>
    int WriteReadyLocked(MemorySendChannel<T> end)
    {
        if (end.ClosedLocked || _openReceive == 0)
            return 0;
        return _receivers.Count > 0 || _count < _capacity ? 1 : -1;
    }

    internal bool TryPeek(MemoryReceiveChannel<T> end, out T item)
    {
        lock (_gate)
        {
            if (!end.ClosedLocked)
            {
                if (_count > 0)
                {
                    item = _buffer[_head];
                    return true;
                }
                if (_senders.First is { } sender)
                {
                    item = sender.Item;
                    return true;
                }
            }
            item = default!;
            return false;
        }
    }

    internal int ReadyCount
    {
        get
        {
            lock (_gate)
                return _count + _senders.Count;
        }
    }

    internal Exception? CompletionError
    {
        get
        {
            lock (_gate)
                return EndedLocked ? _completionError : null;
        }
    }

    internal Task GetCompletion(MemoryReceiveChannel<T> end)
    {
        lock (_gate)
        {
            if (end.CompletionSource is { } existing)
                return existing.Task;
            var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            end.CompletionSource = source;
            if (end.ClosedLocked)
                source.TrySetResult();
            else if (EndedLocked)
                Complete(source);
            else
                (_completions ??= []).Add(source);
            return source.Task;
        }
    }

    void Complete(TaskCompletionSource source)
    {
        // As System.Threading.Channels: completing with an OperationCanceledException cancels Completion, not faults it.
        if (_completionError is OperationCanceledException canceled)
            source.TrySetCanceled(canceled.CancellationToken);
        else if (_completionError is { } error)
            source.TrySetException(error);
        else
            source.TrySetResult();
    }

    void CompleteDrainedLocked()
    {
        if (_completions is null)
            return;
        foreach (var source in _completions)
            Complete(source);
        _completions = null;
    }
}
