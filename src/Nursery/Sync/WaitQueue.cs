using System.Diagnostics;

namespace Structured;

/// <summary>
/// A FIFO of parked tasks for a primitive, intrusive through <see cref="ParkerWaitLinks.Next"/>: enqueue, dequeue and
/// removal of a cancelled waiter are O(1) and allocate nothing (a parker makes its <see cref="Parker.Links"/> on its
/// first wait in a queue, once). Not thread-safe: the primitive's lock guards it; only <see cref="Count"/> and a
/// parker's <see cref="Parker.Queue"/> may be read without that lock.
/// </summary>
/// <param name="owner">The primitive the queue belongs to, for code that finds it from a parker.</param>
internal sealed class WaitQueue(object? owner = null)
{
    Parker? _head, _tail;
    int _count;

    /// <summary>The primitive the queue belongs to (a <see cref="ParkingLot"/> finds itself from a parker this way).</summary>
    internal object? Owner => owner;

    internal int Count => Volatile.Read(ref _count);

    internal Parker? First => _head;

    internal void Enqueue(Parker parker)
    {
        Debug.Assert(parker.Queue is null, "a parker waits in one queue at a time");
        var links = parker.Links;
        links.Next = null;
        links.Previous = _tail;
        if (_tail is null)
            _head = parker;
        else
            _tail.LinksOrNull!.Next = parker;
        _tail = parker;
        Volatile.Write(ref links.Queue, this);
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Removes <paramref name="parker"/> if it is still in this queue (a waiter aborted by a cancellation).</summary>
    internal bool Remove(Parker parker)
    {
        // A parker in this queue has its links (it made them when it was enqueued).
        if (parker.LinksOrNull is not { } links || !ReferenceEquals(links.Queue, this))
            return false;
        if (links.Previous is null)
            _head = links.Next;
        else
            links.Previous.LinksOrNull!.Next = links.Next;
        if (links.Next is null)
            _tail = links.Previous;
        else
            links.Next.LinksOrNull!.Previous = links.Previous;
        links.Next = links.Previous = null;
        Volatile.Write(ref links.Queue, null);
        Volatile.Write(ref _count, _count - 1);
        return true;
    }

    /// <summary>The parkers queued, first to last.</summary>
    internal IEnumerable<Parker> Enumerate()
    {
        for (var parker = _head; parker is not null; parker = parker.LinksOrNull!.Next)
            yield return parker;
    }

    internal Parker? Dequeue()
    {
        var first = _head;
        if (first is not null)
            Remove(first);
        return first;
    }
}
