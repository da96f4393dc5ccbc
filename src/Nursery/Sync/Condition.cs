using System.Diagnostics;

namespace Structured;

/// <summary>
/// A condition variable (Trio's <c>trio.Condition</c>): tasks that hold its <see cref="Lock"/> wait in
/// <see cref="WaitAsync"/> until another task that holds the lock calls <see cref="Notify"/> or
/// <see cref="NotifyAll"/>.
/// </summary>
/// <remarks>
/// <para><see cref="WaitAsync"/> releases the lock while it waits and holds it again when it returns, on every
/// path. <see cref="Notify"/> moves waiters, first come first served, into the lock's queue (Trio's
/// <c>repark</c>): they resume one at a time as the notifier and the tasks ahead of them release the lock, so
/// no notification is lost and no waiter barges in.</para>
/// <para><b>Cancellation.</b> <see cref="WaitAsync"/> is a checkpoint. A wait that is cancelled (or whose token
/// fires) still acquires the lock again before it throws, shielded from the cancellation as in Trio, so
/// <c>finally</c> blocks and <c>using</c> releasers run with the lock held.</para>
/// <para>Thread-safe, on and off the loop.</para>
/// </remarks>
/// <example>
/// <code>
/// var ready = new Condition();
/// // consumer
/// using (await ready.Lock.AcquireAsync())
/// {
///     while (queue.Count == 0)
///         await ready.WaitAsync();
///     Handle(queue.Dequeue());
/// }
/// // producer
/// using (await ready.Lock.AcquireAsync())
/// {
///     queue.Enqueue(item);
///     ready.Notify();
/// }
/// </code>
/// </example>
[DebuggerDisplay("Condition: waiting = {_lot.Count}, lock held = {Lock.IsLocked}")]
public sealed class Condition
{
    // Tasks waiting to be notified; Notify reparks them into the lock's lot.
    readonly ParkingLot _lot = new("Condition.WaitAsync");

    /// <summary>Creates a condition on <paramref name="lock"/>, or on a new lock of its own.</summary>
    /// <param name="lock">The lock that <see cref="WaitAsync"/> and <see cref="Notify"/> require; null (the default) for a new one.</param>
    public Condition(AsyncLock? @lock = null) => Lock = @lock ?? new AsyncLock();

    /// <summary>The condition's lock: hold it to wait and to notify.</summary>
    public AsyncLock Lock { get; }

    /// <summary>Whether a task holds <see cref="Lock"/> (Trio's <c>Condition.locked()</c>).</summary>
    public bool IsLocked => Lock.IsLocked;

    /// <summary>Acquires <see cref="Lock"/> (<see cref="AsyncLock.AcquireAsync"/>, with its cancellation contract).</summary>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>A releaser that releases the lock when disposed.</returns>
    /// <exception cref="InvalidOperationException">The calling task already holds the lock.</exception>
    /// <exception cref="Cancelled">The code is cancelled; the lock was not taken.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the lock was not taken.</exception>
    public ValueTask<AsyncLock.Releaser> AcquireAsync(CancellationToken cancellationToken = default) => Lock.AcquireAsync(cancellationToken);

    /// <summary>Acquires <see cref="Lock"/> if it is free (<see cref="AsyncLock.TryAcquire"/>).</summary>
    /// <returns>True when the calling task now holds the lock.</returns>
    /// <exception cref="InvalidOperationException">The calling task already holds the lock.</exception>
    public bool TryAcquire() => Lock.TryAcquire();

    /// <summary>Releases <see cref="Lock"/> (<see cref="AsyncLock.Release"/>).</summary>
    /// <exception cref="InvalidOperationException">The calling task does not hold the lock.</exception>
    public void Release() => Lock.Release();

    /// <summary>A snapshot: how many tasks wait to be notified, and the statistics of the lock.</summary>
    public ConditionStatistics Statistics => new(_lot.Count, Lock.Statistics);

    /// <summary>
    /// Releases the lock, waits until notified, and acquires the lock again before returning. A checkpoint;
    /// always blocks. The calling task must hold <see cref="Lock"/>.
    /// </summary>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>A ValueTask that completes, with the lock held, once notified; await it once.</returns>
    /// <exception cref="InvalidOperationException">The calling task does not hold <see cref="Lock"/>.</exception>
    /// <exception cref="Cancelled">The code is cancelled, before or while waiting. The lock is held again when this is thrown.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled. The lock is held again when this is thrown.</exception>
    public ValueTask WaitAsync(CancellationToken cancellationToken = default)
    {
        var task = SyncOwner.CurrentOrNull;
        if (!Lock.IsHeldBy(task))
            throw NotHeld("WaitAsync");
        Blocking.ThrowIfCancelled(task!);
        cancellationToken.ThrowIfCancellationRequested();
        var parker = task!.RentParker();
        ValueTask wait;
        // Into the queue before the lock is released: a Notify needs the lock, so none can come in between.
        lock (_lot.Gate)
            wait = _lot.ParkLocked(parker);
        Lock.ReleaseHeld();
        Blocking.RegisterWithScope(task, parker, cancellationToken);
        return AwaitNotified(wait, task);
    }

    /// <summary>
    /// Wakes the first <paramref name="n"/> waiting tasks: they leave the condition and queue for the lock, which
    /// they get once the caller releases it. The calling task must hold <see cref="Lock"/>.
    /// </summary>
    /// <param name="n">How many to wake; the default is 1. Fewer are woken when fewer wait.</param>
    /// <exception cref="InvalidOperationException">The calling task does not hold <see cref="Lock"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    public void Notify(int n = 1)
    {
        if (!Lock.IsHeldBy(SyncOwner.CurrentOrNull))
            throw NotHeld("Notify");
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        _lot.Repark(Lock.Lot, n);
    }

    /// <summary>Wakes every waiting task (they queue for the lock). The calling task must hold <see cref="Lock"/>.</summary>
    /// <exception cref="InvalidOperationException">The calling task does not hold <see cref="Lock"/>.</exception>
    public void NotifyAll()
    {
        if (!Lock.IsHeldBy(SyncOwner.CurrentOrNull))
            throw NotHeld("NotifyAll");
        _lot.ReparkAll(Lock.Lot);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Condition ({_lot.Count} waiting)";

    /// <summary>
    /// Waits for the notification. Woken by the lock's hand-off, the task holds the lock; woken by a
    /// cancellation (from the condition's queue or the lock's), it acquires the lock again, shielded, then throws.
    /// </summary>
    async ValueTask AwaitNotified(ValueTask wait, TaskInfo task)
    {
        try
        {
            await wait;
        }
        catch (OperationCanceledException)
        {
            await Lock.AcquireShieldedAsync(task);
            throw;
        }
    }

    static InvalidOperationException NotHeld(string member)
        => new($"Condition.{member} needs the condition's lock: acquire it first (using (await condition.Lock.AcquireAsync()) {{ ... }}).");
}
