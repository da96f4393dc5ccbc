namespace Structured;

/// <summary>The part of a memory channel that <see cref="Select{TResult}"/> uses: one branch's try, wait and clean-up.</summary>
/// <remarks>
/// A select takes the locks of all its channels at once (in <see cref="SelectOrder"/>, so two selects cannot
/// deadlock) and, while it holds them, either completes the first branch that is ready or queues one waiter per
/// branch, all on one parker. Every method here with the <c>Locked</c> suffix runs under this channel's lock.
/// </remarks>
internal sealed partial class MemoryChannelCore<T> : ISelectableChannel
{
    /// <summary>The position of this channel in the global lock order of selects.</summary>
    public long SelectOrder { get; } = SelectWaiter.NextOrder();

    /// <summary>The channel's lock.</summary>
    public Lock Gate => _gate;

    /// <summary>A receive branch's attempt: take an item now, or report the end of the stream, or a closed end.</summary>
    internal SelectStatus TrySelectReceiveLocked(MemoryReceiveChannel<T> end, out T item, out Exception? error)
    {
        error = null;
        if (end.ClosedLocked)
        {
            item = default!;
            error = ClosedError(end);
            return SelectStatus.Failed;
        }
        if (TryTakeLocked(out item))
            return SelectStatus.Done;
        if (_openSend == 0)
        {
            error = EndError();
            return SelectStatus.Ended;
        }
        return SelectStatus.NotReady;
    }

    /// <summary>A send branch's attempt: hand the item over or buffer it now, or report a closed end or a broken channel.</summary>
    internal SelectStatus TrySelectSendLocked(MemorySendChannel<T> end, T item, out Exception? error)
    {
        error = null;
        if (end.ClosedLocked)
        {
            error = ClosedError(end);
            return SelectStatus.Failed;
        }
        if (_openReceive == 0)
        {
            error = BrokenError();
            return SelectStatus.Failed;
        }
        return TryDeliverLocked(item) ? SelectStatus.Done : SelectStatus.NotReady;
    }

    /// <summary>Queues a waiter for one branch of <paramref name="select"/>, parked on <paramref name="parker"/>.</summary>
    internal ChannelWaiter<T> EnqueueSelectLocked(object end, bool isSender, T item, Parker parker, SelectWaiter select, int branch)
    {
        var waiter = RentWaiterLocked();
        waiter.Prepare(parker, end, isSender, item);
        waiter.Select = select;
        waiter.Branch = branch;
        if (isSender)
        {
            _senders.Enqueue(waiter);
            WakeAllLocked(_readWaiters);
        }
        else
        {
            _receivers.Enqueue(waiter);
            WakeAllLocked(_writeWaiters);
        }
        return waiter;
    }

    /// <summary>
    /// After the select resumed: takes the branch's waiter out of its queue if it is still there, returns it to the
    /// pool, and returns the item a winning receive branch was handed. Once this returned no channel can reach the
    /// waiter: every hand-off holds this lock from dequeuing the waiter to giving up on it.
    /// </summary>
    internal T FinishSelect(ChannelWaiter<T> waiter)
    {
        lock (_gate)
        {
            var item = waiter.Item;
            waiter.Queue?.Remove(waiter);
            waiter.Reset();
            waiter.Next = _pool;
            _pool = waiter;
            return item;
        }
    }
}
