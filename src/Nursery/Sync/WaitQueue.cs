using System.Diagnostics;

namespace Structured;

/// <summary>
/// A FIFO of parked tasks for a primitive, intrusive through <see cref="Parker.Next"/>: enqueue, dequeue and
/// removal of a cancelled waiter are O(1) and allocate nothing. Not thread-safe: the primitive's lock guards it.
/// </summary>
internal sealed class WaitQueue
{
    Parker? _head, _tail;

    internal int Count { get; private set; }

    internal Parker? First => _head;

    internal void Enqueue(Parker parker)
    {
        Debug.Assert(parker.Queue is null);
        parker.Queue = this;
        parker.Next = null;
        parker.Previous = _tail;
        if (_tail is null)
            _head = parker;
        else
            _tail.Next = parker;
        _tail = parker;
        Count++;
    }

    /// <summary>Removes <paramref name="parker"/> if it is still in this queue (a waiter aborted by a cancellation).</summary>
    internal bool Remove(Parker parker)
    {
        if (!ReferenceEquals(parker.Queue, this))
            return false;
        if (parker.Previous is null)
            _head = parker.Next;
        else
            parker.Previous.Next = parker.Next;
        if (parker.Next is null)
            _tail = parker.Previous;
        else
            parker.Next.Previous = parker.Previous;
        parker.Next = parker.Previous = null;
        parker.Queue = null;
        Count--;
        return true;
    }

    internal Parker? Dequeue()
    {
        var first = _head;
        if (first is not null)
            Remove(first);
        return first;
    }
}
