using System.Diagnostics;

namespace Structured;

/// <summary>
/// A one-shot event (Trio's <c>trio.Event</c>): tasks wait until it is set; once set it stays set.
/// To wait again, make a new one.
/// </summary>
/// <remarks>
/// <see cref="WaitAsync"/> is a checkpoint: it throws <see cref="Cancelled"/> in a cancelled scope even when
/// the event is set. A cancelled wait leaves nothing behind. Thread-safe.
/// </remarks>
/// <example>
/// <code>
/// var ready = new Event();
/// nursery.StartSoon(async () => { await LoadAsync(); ready.Set(); });
/// await ready.WaitAsync();
/// </code>
/// </example>
[DebuggerDisplay("Event: IsSet = {IsSet}, waiting = {_waiters.Count}")]
public sealed class Event : IParkWaiter
{
    // The queue is also the lock (a monitor: no lock object per event, which is often made for one wait: issue 24).
    readonly WaitQueue _waiters = new();
    volatile bool _isSet;

    /// <summary>Whether <see cref="Set"/> was called.</summary>
    public bool IsSet => _isSet;

    /// <summary>A snapshot: how many tasks wait for the event (Trio's <c>Event.statistics()</c>).</summary>
    public EventStatistics Statistics
    {
        get
        {
            lock (_waiters)
                return new EventStatistics(_waiters.Count);
        }
    }

    /// <summary>Sets the event and wakes every waiting task. Further calls do nothing.</summary>
    public void Set()
    {
        (Parker Parker, short Version)[]? waking = null;
        Parker? only;
        short onlyVersion;
        lock (_waiters)
        {
            if (_isSet)
                return;
            _isSet = true;
            if (_waiters.Count == 0)
                return;
            only = _waiters.Dequeue()!;
            onlyVersion = only.Version;
            // One waiter is the usual case (an event made for one hand-off): no array for it.
            if (_waiters.Count > 0)
            {
                waking = new (Parker, short)[_waiters.Count];
                for (int i = 0; i < waking.Length; i++)
                {
                    var parker = _waiters.Dequeue()!;
                    waking[i] = (parker, parker.Version);
                }
            }
        }
        // Woken outside the lock, each for the park it was in: if a cancellation won in between and the task has
        // since parked again elsewhere, this wake misses instead of ending that other wait.
        only.TryWake(onlyVersion);
        if (waking is not null)
        {
            foreach (var (parker, version) in waking)
                parker.TryWake(version);
        }
    }

    /// <summary>Waits until the event is set. A checkpoint, even when the event is already set.</summary>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <exception cref="Cancelled">The code is cancelled.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing was consumed.</exception>
    public ValueTask WaitAsync(CancellationToken cancellationToken = default)
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        if (_isSet)
            return Blocking.CompletedWithoutBlocking(task);
        Parker parker;
        ValueTask wait;
        lock (_waiters)
        {
            if (_isSet)
                return Blocking.CompletedWithoutBlocking(task);
            // Rented only once the wait is sure to park: a rent that is never parked is never handed back, and the task
            // (off the loop, a thread's throwaway task) would make a fresh parker for every wait after it (issue 24).
            parker = task.RentParker();
            _waiters.Enqueue(parker);
            wait = parker.Park(this);
        }
        Blocking.RegisterWithScope(task, parker, cancellationToken);
        return wait;
    }

    string IParkWaiter.Describe() => "Event.WaitAsync";

    void IParkWaiter.Abort(Parker parker)
    {
        lock (_waiters)
            _waiters.Remove(parker);
    }
}
