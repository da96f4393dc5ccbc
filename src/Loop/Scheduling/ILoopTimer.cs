namespace Structured;

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
