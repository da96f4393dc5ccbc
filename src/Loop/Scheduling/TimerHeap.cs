namespace Structured;

/// <summary>
/// A binary min-heap of <see cref="ILoopTimer"/>s ordered by (due, arming order): insert, remove and
/// re-arm are O(log n), and removal is by the timer's own position, so cancelled timers leave at once.
/// Not thread-safe; its owner serializes access. Doubles when full, halves when a quarter full (never below
/// <see cref="MinCapacity"/>), so a burst of timers gives its memory back once they are gone.
/// </summary>
internal sealed class TimerHeap
{
    internal const int MinCapacity = 16;

    ILoopTimer[] _nodes = new ILoopTimer[MinCapacity];
    long _sequence;

    internal int Count { get; private set; }

    /// <summary>The length of the array behind the heap.</summary>
    internal int Capacity => _nodes.Length;

    internal long? NextDueTicks => Count > 0 ? _nodes[0].Slot.DueTicks : null;

    /// <summary>Whether the timer is in a heap (position &gt; 0) or waiting to enter one (position &lt; 0, see <see cref="Loop"/>).</summary>
    internal static bool IsArmed(ILoopTimer timer) => timer.Slot.HeapPosition != 0;

    /// <summary>The next arming number, for a timer armed now but inserted later.</summary>
    internal long NextSequence() => _sequence++;

    internal void Add(ILoopTimer timer, long dueTicks)
    {
        if (IsArmed(timer))
            Remove(timer);
        ref var slot = ref timer.Slot;
        slot.DueTicks = dueTicks;
        slot.Sequence = _sequence++;
        Insert(timer);
    }

    /// <summary>Inserts a timer whose due time and arming number are already in its slot.</summary>
    internal void Insert(ILoopTimer timer)
    {
        if (Count == _nodes.Length)
            Array.Resize(ref _nodes, _nodes.Length * 2);
        int i = Count++;
        Place(timer, i);
        SiftUp(i);
    }

    internal void Remove(ILoopTimer timer)
    {
        int i = timer.Slot.HeapPosition - 1;
        if (i < 0)
            return;
        timer.Slot.HeapPosition = 0;
        int last = --Count;
        if (i != last)
        {
            Place(_nodes[last], i);
            _nodes[last] = null!;
            if (!SiftUp(i))
                SiftDown(i);
        }
        else
        {
            _nodes[last] = null!;
        }
        if (Count < _nodes.Length >> 2 && _nodes.Length > MinCapacity)
            Array.Resize(ref _nodes, _nodes.Length >> 1);
    }

    /// <summary>Removes and returns the earliest timer if it is due at <paramref name="nowTicks"/>.</summary>
    internal ILoopTimer? PopDue(long nowTicks)
    {
        if (Count == 0 || _nodes[0].Slot.DueTicks > nowTicks)
            return null;
        var top = _nodes[0];
        Remove(top);
        return top;
    }

    void Place(ILoopTimer timer, int i)
    {
        _nodes[i] = timer;
        timer.Slot.HeapPosition = i + 1;
    }

    static bool Less(ILoopTimer a, ILoopTimer b)
    {
        ref var x = ref a.Slot;
        ref var y = ref b.Slot;
        return x.DueTicks < y.DueTicks || (x.DueTicks == y.DueTicks && x.Sequence < y.Sequence);
    }

    bool SiftUp(int i)
    {
        var node = _nodes[i];
        int start = i;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Less(node, _nodes[parent]))
                break;
            Place(_nodes[parent], i);
            i = parent;
        }
        Place(node, i);
        return i != start;
    }

    void SiftDown(int i)
    {
        var node = _nodes[i];
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= Count)
                break;
            if (child + 1 < Count && Less(_nodes[child + 1], _nodes[child]))
                child++;
            if (!Less(_nodes[child], node))
                break;
            Place(_nodes[child], i);
            i = child;
        }
        Place(node, i);
    }
}
