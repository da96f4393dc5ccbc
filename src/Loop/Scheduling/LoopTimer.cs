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

/// <summary>
/// Something that wakes at a time (a sleeping task's parker, a cancel scope's deadline, a clock timer),
/// kept in a <see cref="TimerHeap"/>. Intrusive: the slot lives in the object, so arming allocates nothing.
/// </summary>
internal interface ILoopTimer
{
    ref TimerSlot Slot { get; }

    /// <summary>Called on the heap owner's thread when the timer is due, after it left the heap.</summary>
    void Fire();
}
