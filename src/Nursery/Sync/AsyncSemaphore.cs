using System.Diagnostics;

namespace Structured;

/// <summary>
/// A counting semaphore for tasks (Trio's <c>trio.Semaphore</c>): <see cref="AcquireAsync"/> takes one from
/// <see cref="Value"/>, waiting while it is zero; <see cref="Release"/> gives one back. Waiters are served in
/// the order they came.
/// </summary>
/// <remarks>
/// <para>Unlike a lock, a semaphore has no owner: any task or thread may release it. With a maximum
/// (<c>max</c>), <see cref="Release"/> above it throws <see cref="SemaphoreFullException"/> and leaves the
/// value unchanged. If you want to limit how many tasks do something at once, <see cref="CapacityLimiter"/>
/// (which checks that only borrowers give back) is usually the better tool.</para>
/// <para><b>Fairness.</b> A release with tasks waiting hands the unit straight to the first of them: the value
/// stays zero and a <see cref="TryAcquire"/> right after the release fails.</para>
/// <para><b>Cancellation.</b> <see cref="AcquireAsync"/> is a checkpoint: it throws <see cref="Cancelled"/> in a
/// cancelled scope even when the value is positive. A cancelled acquire leaves the value unchanged.</para>
/// <para>Thread-safe, on and off the loop.</para>
/// </remarks>
/// <example>
/// <code>
/// var slots = new AsyncSemaphore(3);          // at most three downloads at once
/// await slots.AcquireAsync();
/// try { await DownloadAsync(url); }
/// finally { slots.Release(); }
/// </code>
/// </example>
[DebuggerDisplay("AsyncSemaphore: Value = {Value}, waiting = {_lot.Count}")]
public sealed class AsyncSemaphore
{
    // Tasks waiting for a unit; its gate guards _value as well.
    readonly ParkingLot _lot = new("AsyncSemaphore.AcquireAsync");
    readonly int? _max;

    // Written under _lot.Gate; positive only while nobody waits.
    int _value;

    /// <summary>Creates a semaphore with <paramref name="initial"/> units.</summary>
    /// <param name="initial">The starting value; zero or more.</param>
    /// <param name="max">The largest value <see cref="Release"/> may reach, or null (the default) for no bound.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initial"/> is negative, or <paramref name="max"/> is below <paramref name="initial"/>.</exception>
    public AsyncSemaphore(int initial, int? max = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initial);
        if (max is int m)
            ArgumentOutOfRangeException.ThrowIfLessThan(m, initial, nameof(max));
        _value = initial;
        _max = max;
    }

    /// <summary>The current value: how many acquires would succeed now without blocking.</summary>
    public int Value => Volatile.Read(ref _value);

    /// <summary>The largest value <see cref="Release"/> may reach, or null for no bound.</summary>
    public int? MaxValue => _max;

    /// <summary>A snapshot: the value, the maximum and how many tasks wait.</summary>
    public SemaphoreStatistics Statistics
    {
        get
        {
            lock (_lot.Gate)
                return new SemaphoreStatistics(_value, _max, _lot.CountLocked);
        }
    }

    /// <summary>Takes one unit, waiting in line while the value is zero. A checkpoint.</summary>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>A ValueTask that completes once the unit is taken; await it once.</returns>
    /// <exception cref="Cancelled">The code is cancelled, before or while waiting; nothing was taken.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing was taken.</exception>
    public ValueTask AcquireAsync(CancellationToken cancellationToken = default)
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        Parker? parker = null;
        ValueTask wait = default;
        lock (_lot.Gate)
        {
            if (_value > 0)
            {
                Volatile.Write(ref _value, _value - 1);
            }
            else
            {
                parker = task.RentParker();
                wait = _lot.ParkLocked(parker);
            }
        }
        if (parker is null)
            return Blocking.CompletedWithoutBlocking(task);
        Blocking.RegisterWithScope(task, parker, cancellationToken);
        return wait;
    }

    /// <summary>Takes one unit if the value is positive; never blocks, not a checkpoint.</summary>
    /// <returns>True when a unit was taken.</returns>
    public bool TryAcquire()
    {
        lock (_lot.Gate)
        {
            if (_value == 0)
                return false;
            Volatile.Write(ref _value, _value - 1);
            return true;
        }
    }

    /// <summary>
    /// Gives one unit back: to the first waiting task if there is one (before this call returns), else to
    /// <see cref="Value"/>. Any task or thread may call it.
    /// </summary>
    /// <exception cref="SemaphoreFullException">Nobody waits and <see cref="Value"/> is already at the maximum; the value is unchanged.</exception>
    public void Release()
    {
        lock (_lot.Gate)
        {
            // A waiter whose wake fails is being cancelled: skip it, it takes nothing.
            while (_lot.DequeueLocked() is { } next)
            {
                if (next.TryWake())
                    return;
            }
            if (_max is int max && _value >= max)
                throw new SemaphoreFullException($"AsyncSemaphore.Release: the value is already at its maximum ({max}); release only the units you acquired.");
            Volatile.Write(ref _value, _value + 1);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => _max is int max ? $"AsyncSemaphore ({Value} of {max})" : $"AsyncSemaphore ({Value})";
}
