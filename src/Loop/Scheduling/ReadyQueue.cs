using System.Diagnostics;

namespace Structured;

/// <summary>
/// The loop's ready queue: a growable ring buffer of <see cref="WorkItem"/>s. Touched by the loop thread only
/// (other threads go through the inbox), so it needs no lock.
/// </summary>
/// <remarks>
/// It doubles when full. It gives memory back in two ways, both without shrinking a queue that the loop fills to the
/// same size again and again (a server's steady burst, a benchmark's repetitions: each regrowth would allocate the
/// whole buffer once more): a very large queue (past <see cref="KeepWhileBusyCapacity"/>) halves when a quarter
/// full, so a burst of a million wake-ups is let go while the loop drains it; and when the loop goes idle with the
/// queue empty, <see cref="TrimWhenIdle"/> drops a buffer past <see cref="KeepWhenIdleCapacity"/>. The gap between
/// the doubling and the halving thresholds keeps a queue that hovers at one size from resizing back and forth.
/// </remarks>
internal sealed class ReadyQueue
{
    internal const int MinCapacity = 64;

    /// <summary>Up to this many slots (3 MiB) the queue keeps its buffer while the loop is busy.</summary>
    internal const int KeepWhileBusyCapacity = 1 << 17;

    /// <summary>Up to this many slots (24 KiB) the queue keeps its buffer when the loop goes idle.</summary>
    internal const int KeepWhenIdleCapacity = 1 << 10;

    WorkItem[] _items = new WorkItem[MinCapacity];
    int _head, _count;

    internal int Count => _count;

    /// <summary>The length of the ring buffer.</summary>
    internal int Capacity => _items.Length;

    internal void Enqueue(in WorkItem item)
    {
        if (_count == _items.Length)
            Grow();
        _items[(_head + _count) & (_items.Length - 1)] = item;
        _count++;
    }

    internal WorkItem Dequeue()
    {
        Debug.Assert(_count > 0);
        ref var slot = ref _items[_head];
        var item = slot;
        slot = default;
        _head = (_head + 1) & (_items.Length - 1);
        _count--;
        if (_count < _items.Length >> 2 && _items.Length > KeepWhileBusyCapacity)
            Resize(_items.Length >> 1);
        return item;
    }

    /// <summary>The item at <paramref name="index"/> from the front, with the order of the others kept.</summary>
    internal WorkItem RemoveAt(int index)
    {
        Debug.Assert(index >= 0 && index < _count);
        if (index == 0)
            return Dequeue();
        int mask = _items.Length - 1;
        var item = _items[(_head + index) & mask];
        // Close the gap from the nearer end (the order of the others is what a seed reproduces, so it stays): at most
        // half the queue moves, not all of it.
        if (index < _count >> 1)
        {
            for (int i = index; i > 0; i--)
                _items[(_head + i) & mask] = _items[(_head + i - 1) & mask];
            _items[_head] = default;
            _head = (_head + 1) & mask;
        }
        else
        {
            for (int i = index; i < _count - 1; i++)
                _items[(_head + i) & mask] = _items[(_head + i + 1) & mask];
            _items[(_head + _count - 1) & mask] = default;
        }
        _count--;
        if (_count < _items.Length >> 2 && _items.Length > KeepWhileBusyCapacity)
            Resize(_items.Length >> 1);
        return item;
    }

    internal TaskInfo? PeekTask(int index) => _items[(_head + index) & (_items.Length - 1)].Task;

    internal object? StateAt(int index) => _items[(_head + index) & (_items.Length - 1)].State;

    /// <summary>Called when the loop goes idle: an empty queue past <see cref="KeepWhenIdleCapacity"/> lets its buffer go.</summary>
    internal void TrimWhenIdle()
    {
        if (_count == 0 && _items.Length > KeepWhenIdleCapacity)
        {
            _items = new WorkItem[KeepWhenIdleCapacity];
            _head = 0;
        }
    }

    internal void Clear()
    {
        _items = _items.Length > MinCapacity ? new WorkItem[MinCapacity] : _items;
        Array.Clear(_items);
        _head = 0;
        _count = 0;
    }

    void Grow() => Resize(_items.Length * 2);

    void Resize(int capacity)
    {
        var resized = new WorkItem[capacity];
        for (int i = 0; i < _count; i++)
            resized[i] = _items[(_head + i) & (_items.Length - 1)];
        _items = resized;
        _head = 0;
    }
}
