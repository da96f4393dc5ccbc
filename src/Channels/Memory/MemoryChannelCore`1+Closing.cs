using System.Diagnostics;

namespace Structured;

/// <summary>Cloning and closing a memory channel's ends (Trio's <c>clone</c> and <c>aclose</c>), the undelivered items of a closed receive side, and the channel's statistics.</summary>
internal sealed partial class MemoryChannelCore<T>
{
    internal MemorySendChannel<T> CloneSend(MemorySendChannel<T> end)
    {
        lock (_gate)
        {
            if (end.ClosedLocked)
                throw ClosedError(end);
            _openSend++;
        }
        return new MemorySendChannel<T>(this);
    }

    internal MemoryReceiveChannel<T> CloneReceive(MemoryReceiveChannel<T> end)
    {
        lock (_gate)
        {
            if (end.ClosedLocked)
                throw ClosedError(end);
            _openReceive++;
        }
        return new MemoryReceiveChannel<T>(this);
    }

    internal bool CloseSend(MemorySendChannel<T> end, Exception? error)
    {
        lock (_gate)
        {
            if (end.ClosedLocked)
                return false;
            end.MarkClosedLocked(error);
            if (error is not null)
                _completionError ??= error;
            WakeOwnedLocked(_senders, end);
            _openSend--;
            if (_openSend == 0)
            {
                // Every sender waited on some send end, and each was woken when its end closed.
                Debug.Assert(_senders.Count == 0);
                while (_receivers.Dequeue() is { } receiver)
                    receiver.TryWake(EndError());
                if (_count == 0)
                    CompleteDrainedLocked();
                WakeAllLocked(_readWaiters);
            }
            WakeAllLocked(_writeWaiters);
            return true;
        }
    }

    internal void CloseReceive(MemoryReceiveChannel<T> end)
    {
        T[]? undelivered = null;
        lock (_gate)
        {
            if (end.ClosedLocked)
                return;
            end.MarkClosedLocked();
            end.CompletionSource?.TrySetResult();
            WakeOwnedLocked(_receivers, end);
            _openReceive--;
            if (_openReceive == 0)
            {
                Debug.Assert(_receivers.Count == 0);
                while (_senders.Dequeue() is { } sender)
                {
                    sender.Item = default!;
                    sender.TryWake(BrokenError());
                }
                // Nobody can receive the buffered items any more (Trio drops them too); the callback, if any, gets
                // them once the lock is released, in the order they would have been received.
                _dropped += _count;
                if (_onUndelivered is not null && _count > 0)
                {
                    undelivered = new T[_count];
                    for (int i = 0; i < undelivered.Length; i++)
                        undelivered[i] = PopLocked();
                }
                Array.Clear(_buffer);
                _head = 0;
                _count = 0;
                WakeAllLocked(_writeWaiters);
            }
            WakeAllLocked(_readWaiters);
        }
        if (undelivered is not null)
            HandUndelivered(undelivered);
    }

    /// <summary>
    /// Calls the undelivered-item callback once for each item, in order, on the closing thread and outside the lock
    /// (the callback may use the channel). Every item gets its call even when an earlier call throws; then the first
    /// error is rethrown, or an <see cref="AggregateException"/> of all of them when several calls threw.
    /// </summary>
    void HandUndelivered(T[] items)
    {
        List<Exception>? errors = null;
        foreach (var item in items)
        {
            try
            {
                _onUndelivered!(item);
            }
#pragma warning disable CA1031 // Not swallowed: collected and rethrown once every item has had its call.
            catch (Exception e)
#pragma warning restore CA1031
            {
                (errors ??= []).Add(e);
            }
        }
        if (errors is null)
            return;
        if (errors.Count == 1)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(errors[0]);
        throw new AggregateException("The channel's onUndelivered callback threw for several items; each item had its call.", errors);
    }

    /// <summary>Wakes the tasks blocked on <paramref name="end"/> with <see cref="ClosedResourceException"/> (Trio: a closed end wakes its own waiters).</summary>
    static void WakeOwnedLocked(WaiterQueue<T> queue, object end)
    {
        var waiter = queue.First;
        while (waiter is not null)
        {
            var next = waiter.Next;
            if (ReferenceEquals(waiter.Owner, end))
            {
                queue.Remove(waiter);
                if (waiter.IsSender)
                    waiter.Item = default!;
                waiter.TryWake(ClosedError(end));
            }
            waiter = next;
        }
    }

    internal ChannelStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new ChannelStatistics
                {
                    BufferUsed = _count,
                    Capacity = _capacity,
                    OpenSendChannels = _openSend,
                    OpenReceiveChannels = _openReceive,
                    TasksWaitingSend = _senders.Count,
                    TasksWaitingReceive = _receivers.Count,
                };
            }
        }
    }
}
