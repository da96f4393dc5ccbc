using System.Diagnostics;

namespace Structured;

/// <summary>
/// A fair queue of parked tasks (Trio's <c>trio.lowlevel.ParkingLot</c>): the building block of the other
/// primitives. A task parks with <see cref="ParkAsync"/> and sleeps until another one unparks it, or until
/// it is cancelled.
/// </summary>
/// <remarks>
/// <para>Tasks are woken in the order they parked. <see cref="ParkAsync"/> is a checkpoint: it throws
/// <see cref="Cancelled"/> in a cancelled scope before parking, and a parked task that is cancelled (or
/// whose <c>cancellationToken</c> fires) leaves the lot and is never counted by a later
/// <see cref="Unpark"/>. <see cref="Repark"/> moves parked tasks into another lot without waking them, as
/// <see cref="Condition.Notify"/> does to hand waiters to a lock.</para>
/// <para>Thread-safe: parking, unparking and reparking may happen on any thread, on and off the loop.</para>
/// </remarks>
/// <example>
/// <code>
/// var lot = new ParkingLot();
/// nursery.StartSoon(async () => { await lot.ParkAsync(); Console.WriteLine("woken"); });
/// // ... later, from any task or thread:
/// lot.UnparkAll();
/// </code>
/// </example>
[DebuggerDisplay("ParkingLot: {_description,nq}, parked = {Count}")]
public sealed class ParkingLot : IParkWaiter
{
    static long s_nextId;

    /// <summary>
    /// Guards the queue and the links of the parkers in it. The primitives built on a lot guard their own
    /// state with it too, so a hand-off is one critical section.
    /// Lock order: a cancel scope's gate before this one; two lots in the order of their <c>_id</c>.
    /// </summary>
    internal readonly Lock Gate = new();

    readonly long _id = Interlocked.Increment(ref s_nextId);
    readonly string _description;
    readonly WaitQueue _queue;

    /// <summary>Creates an empty parking lot.</summary>
    public ParkingLot()
        : this("ParkingLot.ParkAsync")
    {
    }

    /// <summary>Creates a lot whose parked tasks the task tree shows as waiting on <paramref name="description"/>.</summary>
    internal ParkingLot(string description)
    {
        _description = description;
        _queue = new WaitQueue(this);
    }

    /// <summary>How many tasks are parked here now (Trio's <c>len(lot)</c>).</summary>
    public int Count => _queue.Count;

    /// <summary>A snapshot of the lot's counters (Trio's <c>statistics()</c>).</summary>
    public ParkingLotStatistics Statistics => new(Count);

    /// <summary>
    /// Parks the calling task until <see cref="Unpark"/> or <see cref="UnparkAll"/> (on this lot, or on the
    /// lot it was <see cref="Repark"/>ed into) wakes it. A checkpoint; always blocks.
    /// </summary>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>A ValueTask that completes when the task is unparked; await it once.</returns>
    /// <exception cref="Cancelled">The code is cancelled, before or while parked; the task has left the lot.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the task has left the lot.</exception>
    public ValueTask ParkAsync(CancellationToken cancellationToken = default)
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        var parker = task.RentParker();
        ValueTask wait;
        lock (Gate)
            wait = ParkLocked(parker);
        Blocking.RegisterWithScope(task, parker, cancellationToken);
        return wait;
    }

    /// <summary>Wakes the first <paramref name="n"/> parked tasks, in the order they parked (Trio's <c>unpark</c>).</summary>
    /// <param name="n">How many to wake; the default is 1. Fewer are woken when fewer are parked.</param>
    /// <returns>How many tasks were woken.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    public int Unpark(int n = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        int woken = 0;
        lock (Gate)
        {
            // A parker whose wake fails is being cancelled: it is dropped and not counted.
            while (woken < n && DequeueLocked() is { } parker)
            {
                if (parker.TryWake())
                    woken++;
            }
        }
        return woken;
    }

    /// <summary>Wakes every parked task (Trio's <c>unpark_all</c>).</summary>
    /// <returns>How many tasks were woken.</returns>
    public int UnparkAll() => Unpark(int.MaxValue);

    /// <summary>
    /// Moves the first <paramref name="count"/> parked tasks to the end of <paramref name="newLot"/>, in order,
    /// without waking them (Trio's <c>repark</c>). They stay cancellable, and wake when
    /// <paramref name="newLot"/> unparks them.
    /// </summary>
    /// <param name="newLot">The lot to move the tasks to; it may be this lot (the tasks go to its end).</param>
    /// <param name="count">How many to move; the default is 1. Fewer are moved when fewer are parked.</param>
    /// <returns>How many tasks were moved.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="newLot"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public int Repark(ParkingLot newLot, int count = 1)
    {
        ArgumentNullException.ThrowIfNull(newLot);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (ReferenceEquals(newLot, this))
        {
            lock (Gate)
                return MoveLocked(this, Math.Min(count, _queue.Count));
        }
        // Both gates at once, so that a cancellation always finds the task in one of the two queues.
        var (first, second) = _id < newLot._id ? (this, newLot) : (newLot, this);
        lock (first.Gate)
        {
            lock (second.Gate)
                return MoveLocked(newLot, count);
        }
    }

    /// <summary>Moves every parked task to the end of <paramref name="newLot"/> without waking them (Trio's <c>repark_all</c>).</summary>
    /// <param name="newLot">The lot to move the tasks to.</param>
    /// <returns>How many tasks were moved.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="newLot"/> is null.</exception>
    public int ReparkAll(ParkingLot newLot) => Repark(newLot, int.MaxValue);

    /// <inheritdoc/>
    public override string ToString() => $"ParkingLot ({Count} parked)";

    /// <summary>Enqueues and parks <paramref name="parker"/> (its task's own thread). Caller holds <see cref="Gate"/>.</summary>
    internal ValueTask ParkLocked(Parker parker)
    {
        var wait = parker.Park(this);
        EnqueueLocked(parker);
        return wait;
    }

    /// <summary>The first parked task's parker, taken out of the queue, or null. Caller holds <see cref="Gate"/>.</summary>
    internal Parker? DequeueLocked() => _queue.Dequeue();

    /// <summary>The number of parkers queued, read under <see cref="Gate"/>.</summary>
    internal int CountLocked => _queue.Count;

    /// <summary>The parkers queued, first to last. Caller holds <see cref="Gate"/>.</summary>
    internal IEnumerable<Parker> EnumerateLocked() => _queue.Enumerate();

    /// <summary>
    /// Takes <paramref name="parker"/> out of whichever lot it is queued in now (it may have been reparked since
    /// it parked): the abort path of a cancelled or timed-out wait. Takes that lot's gate.
    /// </summary>
    internal static void RemoveFromItsLot(Parker parker)
    {
        while (parker.Queue is WaitQueue { Owner: ParkingLot lot })
        {
            lock (lot.Gate)
            {
                if (lot._queue.Remove(parker))
                    return;
            }
            // Reparked between the read and the lock: look again.
        }
    }

    int MoveLocked(ParkingLot target, int count)
    {
        int moved = 0;
        while (moved < count && DequeueLocked() is { } parker)
        {
            // A parker no longer parked is being cancelled or was woken: its abort finds it in no queue.
            if (!parker.IsParked)
                continue;
            parker.Waiter = target;
            target.EnqueueLocked(parker);
            moved++;
        }
        return moved;
    }

    void EnqueueLocked(Parker parker) => _queue.Enqueue(parker);

    string IParkWaiter.Describe() => _description;

    void IParkWaiter.Abort(Parker parker) => RemoveFromItsLot(parker);
}
