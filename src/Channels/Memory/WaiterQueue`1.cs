using System.Diagnostics;

namespace Structured;

/// <summary>
/// A FIFO of a channel's blocked senders or receivers, intrusive through <see cref="ChannelWaiter{T}.Next"/>: enqueue,
/// dequeue and removal of a cancelled waiter are O(1) and allocate nothing. Not thread-safe: the channel's lock guards it.
/// </summary>
internal sealed class WaiterQueue<T>
{
    ChannelWaiter<T>? _head, _tail;

    internal int Count { get; private set; }

    internal ChannelWaiter<T>? First => _head;

    internal void Enqueue(ChannelWaiter<T> waiter)
    {
        Debug.Assert(waiter.Queue is null);
        waiter.Queue = this;
        waiter.Next = null;
        waiter.Previous = _tail;
        if (_tail is null)
            _head = waiter;
        else
            _tail.Next = waiter;
        _tail = waiter;
        Count++;
    }

    /// <summary>Removes <paramref name="waiter"/> if it is still in this queue.</summary>
    internal bool Remove(ChannelWaiter<T> waiter)
    {
        if (!ReferenceEquals(waiter.Queue, this))
            return false;
        if (waiter.Previous is null)
            _head = waiter.Next;
        else
            waiter.Previous.Next = waiter.Next;
        if (waiter.Next is null)
            _tail = waiter.Previous;
        else
            waiter.Next.Previous = waiter.Previous;
        waiter.Next = waiter.Previous = null;
        waiter.Queue = null;
        Count--;
        return true;
    }

    internal ChannelWaiter<T>? Dequeue()
    {
        var first = _head;
        if (first is not null)
            Remove(first);
        return first;
    }
}
