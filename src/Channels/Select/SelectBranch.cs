namespace Structured;

/// <summary>One branch of a select, seen without its item type: try it, queue it, abort it, clean it up.</summary>
internal abstract class SelectBranch
{
    /// <summary>The channel the branch works on.</summary>
    internal abstract ISelectableChannel Channel { get; }

    /// <summary>Attempts the operation now; the caller holds the lock of every channel of the select.</summary>
    internal abstract SelectStatus TryNowLocked(out Exception? error);

    /// <summary>Queues the branch's waiter on <paramref name="parker"/>; the caller holds the locks.</summary>
    internal abstract void EnqueueLocked(Parker parker, SelectWaiter select, int index);

    /// <summary>A cancellation won the park: takes the waiter out of its queue (takes the channel's lock).</summary>
    internal abstract void AbortWait(Parker parker);

    /// <summary>After the park: takes the waiter out of its queue and pools it; a winning receive keeps its item.</summary>
    internal abstract void FinishWait(bool won);
}
