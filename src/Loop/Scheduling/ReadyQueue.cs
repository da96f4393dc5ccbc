using System.Diagnostics;

namespace Structured;

/// <summary>
/// The loop's ready queue: a growable ring buffer of <see cref="WorkItem"/>s. Touched by the loop thread only
/// (other threads go through the inbox), so it needs no lock.
/// </summary>
/// <remarks>
/// It doubles when full and halves when a quarter full (never below <see cref="MinCapacity"/>): a burst of a
/// million wake-ups gives its memory back once drained, and the gap between the two thresholds keeps a queue that
/// hovers at one size from resizing back and forth (each resize is paid for by the operations since the last).
/// </remarks>
internal sealed class ReadyQueue
{
    internal const int MinCapacity = 64;

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
        if (_count < _items.Length >> 2 && _items.Length > MinCapacity)
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
        if (_count < _items.Length >> 2 && _items.Length > MinCapacity)
            Resize(_items.Length >> 1);
        return item;
    }

    internal TaskInfo? PeekTask(int index) => _items[(_head + index) & (_items.Length - 1)].Task;

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
