namespace Structured;

/// <summary>
/// What a parked task waits on: a description for the task-tree dump, and the hook that removes the
/// task from the wait queue once it has been woken by someone else (a cancellation, a timeout).
/// Implemented by the primitives; internal to the library.
/// </summary>
internal interface IParkWaiter
{
    /// <summary>A short text for <see cref="TaskInfo.WaitingOn"/>, such as "Event.WaitAsync".</summary>
    string Describe();

    /// <summary>
    /// Called once, on any thread, after <see cref="Parker.TryWake(Exception?)"/> succeeded for a reason other than the
    /// primitive's own hand-off, so the primitive can drop the waiter from its queue.
    /// </summary>
    void Abort(Parker parker);
}
