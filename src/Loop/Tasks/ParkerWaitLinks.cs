namespace Structured;

/// <summary>
/// What a <see cref="Parker"/> needs to wait in a primitive's queue (an <c>Event</c>, a lock, a semaphore, a
/// parking lot, a capacity limiter), in one object made on the parker's first such wait and kept for its life: the
/// intrusive links, the queue it is in, and the primitive's payload. Kept apart so that a parked task that never
/// waits in such a queue (a sleeper, a channel's waiter: channels queue their own <c>ChannelWaiter</c>) stays small
/// (docs/performance.md, issue 13).
/// </summary>
/// <remarks>
/// Thread-safety: <see cref="Next"/>, <see cref="Previous"/> and <see cref="Payload"/> are guarded by the lock of the
/// primitive whose queue the parker is in; <see cref="Queue"/> is written under that lock with a volatile write and
/// may be read without it (a cancelled waiter's abort finds its queue that way). The parker publishes this object
/// with a compare-and-swap, so a thread that reads it without the lock never sees it half made.
/// </remarks>
internal sealed class ParkerWaitLinks
{
    /// <summary>Intrusive links in the wait queue of the primitive the task waits on (O(1) removal).</summary>
    internal Parker? Next, Previous;

    /// <summary>The wait queue the parker is in, or null: guards against unlinking from a queue it already left.</summary>
    internal object? Queue;

    /// <summary>Free for the primitive that parked, such as a capacity limiter's borrower or an off-loop sleep's timer.</summary>
    internal object? Payload;

    /// <summary>What a primitive keeps with the parker from one park to the next (an off-loop sleep's system timer, re-armed for every sleep); never cleared.</summary>
    internal object? KeptTimer;
}
