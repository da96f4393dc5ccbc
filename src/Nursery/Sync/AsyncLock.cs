using System.Diagnostics;

namespace Structured;

/// <summary>
/// A fair mutual-exclusion lock for tasks (Trio's <c>trio.Lock</c> and <c>trio.StrictFIFOLock</c>): one task
/// holds it at a time, and waiting tasks get it in the order they asked.
/// </summary>
/// <remarks>
/// <para><b>Ownership</b> belongs to the task (<see cref="TaskInfo.Current"/>), not to the thread: a task
/// that resumes on another pool thread still holds the lock, and only the holder may
/// <see cref="Release"/> it. The lock is not reentrant: acquiring it again in the task that holds it throws
/// <see cref="InvalidOperationException"/> instead of deadlocking.</para>
/// <para><b>Fairness.</b> <see cref="Release"/> hands the lock straight to the first waiter, so a task that
/// releases and acquires again goes behind the tasks already waiting (no barging).</para>
/// <para><b>Cancellation.</b> <see cref="AcquireAsync"/> is a checkpoint: it throws <see cref="Cancelled"/> in a
/// cancelled scope even when the lock is free. A waiter that is cancelled, or whose token fires, leaves the
/// queue and never gets the lock. Once acquired, the lock stays held until released, whatever the
/// cancellation; <c>using (await l.AcquireAsync())</c> releases it on every path.</para>
/// <para>Thread-safe, on and off the loop. Acquiring without blocking allocates nothing.</para>
/// </remarks>
/// <example>
/// <code>
/// var l = new AsyncLock();
/// using (await l.AcquireAsync())
/// {
///     balance += await ReadDeltaAsync(); // no other task runs this block at the same time
/// }
/// </code>
/// </example>
[DebuggerDisplay("AsyncLock: IsLocked = {IsLocked}, waiting = {_lot.Count}")]
public sealed partial class AsyncLock
{
    // Tasks waiting to acquire; its gate guards _owner as well.
    readonly ParkingLot _lot = new("AsyncLock.AcquireAsync");

    // The holder; written under _lot.Gate, read without it by IsLocked (volatile).
    TaskInfo? _owner;

    // One spare adapter for a blocked acquire, so that blocking allocates nothing in the steady state.
    Acquisition? _spare;

    /// <summary>Whether a task holds the lock.</summary>
    public bool IsLocked => Volatile.Read(ref _owner) is not null;

    /// <summary>A snapshot: whether the lock is held, by which task, and how many tasks wait for it.</summary>
    public LockStatistics Statistics
    {
        get
        {
            lock (_lot.Gate)
                return new LockStatistics(_owner is not null, _owner, _lot.CountLocked);
        }
    }

    /// <summary>The parking lot of the waiters, into which <see cref="Condition.Notify"/> reparks its waiters.</summary>
    internal ParkingLot Lot => _lot;

    /// <summary>
    /// Acquires the lock, waiting in line if another task holds it. A checkpoint. Dispose the result (with
    /// <c>using</c>) to release it.
    /// </summary>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>A releaser whose <see cref="Releaser.Dispose"/> calls <see cref="Release"/>; await the ValueTask once.</returns>
    /// <exception cref="InvalidOperationException">The calling task already holds the lock (it is not reentrant).</exception>
    /// <exception cref="Cancelled">The code is cancelled, before or while waiting; the lock was not taken.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the lock was not taken.</exception>
    public ValueTask<Releaser> AcquireAsync(CancellationToken cancellationToken = default)
    {
        var task = SyncOwner.Current("AsyncLock.AcquireAsync");
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        Parker? parker = null;
        lock (_lot.Gate)
        {
            ThrowIfHeldBy(task);
            if (_owner is null && _lot.CountLocked == 0)
            {
                Volatile.Write(ref _owner, task);
            }
            else
            {
                parker = task.RentParker();
#pragma warning disable CA2012 // the same park is awaited through Wrap, which presents the parker and its version
                _ = _lot.ParkLocked(parker);
#pragma warning restore CA2012
            }
        }
        if (parker is null)
            return CompletedWithoutBlocking(task);
        Blocking.RegisterWithScope(task, parker, cancellationToken);
        return Wrap(parker);
    }

    /// <summary>Acquires the lock if it is free and nobody waits for it; never blocks, not a checkpoint.</summary>
    /// <returns>True when the calling task now holds the lock.</returns>
    /// <exception cref="InvalidOperationException">The calling task already holds the lock.</exception>
    public bool TryAcquire()
    {
        var task = SyncOwner.Current("AsyncLock.TryAcquire");
        lock (_lot.Gate)
        {
            ThrowIfHeldBy(task);
            if (_owner is not null || _lot.CountLocked != 0)
                return false;
            Volatile.Write(ref _owner, task);
            return true;
        }
    }

    /// <summary>
    /// Releases the lock. If tasks wait, the first one (that is not being cancelled) gets it at once, before
    /// this call returns.
    /// </summary>
    /// <exception cref="InvalidOperationException">The calling task does not hold the lock.</exception>
    public void Release()
    {
        var task = SyncOwner.CurrentOrNull;
        lock (_lot.Gate)
        {
            if (task is null || !ReferenceEquals(_owner, task))
            {
                throw new InvalidOperationException(_owner is null
                    ? "AsyncLock.Release was called but the lock is not held; release only a lock you acquired, once."
                    : $"AsyncLock.Release was called by {Describe(task)}, but the lock is held by {_owner}; only the task that acquired a lock may release it.");
            }
            HandOffLocked();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => IsLocked ? $"AsyncLock (held, {_lot.Count} waiting)" : "AsyncLock (free)";

    /// <summary>Whether <paramref name="task"/> holds the lock.</summary>
    internal bool IsHeldBy(TaskInfo? task) => task is not null && ReferenceEquals(Volatile.Read(ref _owner), task);

    /// <summary>Releases the lock held by the caller, who has checked that it holds it (Condition.WaitAsync).</summary>
    internal void ReleaseHeld()
    {
        lock (_lot.Gate)
            HandOffLocked();
    }

    /// <summary>
    /// Acquires the lock for <paramref name="task"/> without honouring any cancellation (Trio's shielded
    /// re-acquire in <c>Condition.wait</c>): the task holds the lock when the ValueTask completes.
    /// </summary>
    internal ValueTask AcquireShieldedAsync(TaskInfo task)
    {
        lock (_lot.Gate)
        {
            if (_owner is null && _lot.CountLocked == 0)
            {
                Volatile.Write(ref _owner, task);
                return ValueTask.CompletedTask;
            }
            return _lot.ParkLocked(task.RentParker());
        }
    }

    /// <summary>Passes the lock to the first waiter whose wake succeeds, or frees it. Caller holds the gate.</summary>
    void HandOffLocked()
    {
        while (_lot.DequeueLocked() is { } next)
        {
            // Owner first: the woken task may run on another thread before this method returns.
            Volatile.Write(ref _owner, next.Task);
            if (next.TryWake())
                return;
        }
        Volatile.Write(ref _owner, null);
    }

    void ThrowIfHeldBy(TaskInfo task)
    {
        if (ReferenceEquals(_owner, task))
            throw new InvalidOperationException($"AsyncLock: {task} already holds this lock; it is not reentrant. Release it first, or restructure so that the lock is acquired once.");
    }

    static string Describe(TaskInfo? task) => task?.ToString() ?? "code outside any task";

    /// <summary>The end of an acquire that did not block: spends the cooperative budget, yields once it is used up.</summary>
    ValueTask<Releaser> CompletedWithoutBlocking(TaskInfo task)
    {
        int budget = task.Loop?.CooperativeBudget ?? LoopOptions.DefaultCooperativeBudget;
        if (++task.BudgetUsed < budget)
            return new ValueTask<Releaser>(new Releaser(this));
        task.BudgetUsed = 0;
        var parker = task.RentParker();
#pragma warning disable CA2012 // the yield is awaited through Wrap, which presents the parker and its version
        _ = parker.Yield();
#pragma warning restore CA2012
        return Wrap(parker);
    }

    /// <summary>Turns a parked (or yielding) parker into the caller's ValueTask of a releaser, through a reused adapter.</summary>
    ValueTask<Releaser> Wrap(Parker parker)
    {
        var adapter = Interlocked.Exchange(ref _spare, null) ?? new Acquisition(this);
        adapter.Parker = parker;
        return new ValueTask<Releaser>(adapter, parker.Version);
    }
}
