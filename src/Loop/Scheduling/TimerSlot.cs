namespace Structured;

/// <summary>The heap bookkeeping of a timer: when it is due, its arming order, and its place in the heap.</summary>
internal struct TimerSlot
{
    /// <summary>When the timer is due, in TimeSpan ticks of its clock.</summary>
    internal long DueTicks;

    /// <summary>Arming order: equal deadlines fire in the order they were armed (FIFO).</summary>
    internal long Sequence;

    /// <summary>Position in the heap plus one; 0 when not armed (so a default slot is disarmed).</summary>
    internal int HeapPosition;
}
