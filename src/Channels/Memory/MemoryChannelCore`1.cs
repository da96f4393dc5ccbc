using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Structured;

/// <summary>
/// The state one memory channel's ends share (Trio's <c>MemoryChannelState</c>): a ring buffer, FIFO queues of
/// blocked senders and receivers, the counts of open ends, and the waiters of the System.Threading.Channels views.
/// </summary>
/// <remarks>
/// <para><b>Locking.</b> One lock, <see cref="_gate"/>, guards every field. Under it the channel only wakes parkers
/// (<see cref="Parker.TryWake(Exception?)"/>, which schedules a continuation and takes no other lock of ours) and completes
/// <see cref="TaskCompletionSource"/>s that run their continuations asynchronously. It never takes a cancel scope's
/// gate: registering a parked task with its scope and unregistering it happen outside the lock. A cancellation
/// takes the scope's gate first and then this lock (through <see cref="Abort"/>), never the other way.</para>
/// <para><b>Hand-off.</b> An item moves between tasks only through a successful <see cref="Parker.TryWake(Exception?)"/> of the
/// waiting task. When it fails, a cancellation (or a close) has already won that task: a receiver then gets nothing,
/// and a sender's item is dropped, because its <c>SendAsync</c> throws and so delivered nothing. The item goes to
/// the next waiter or into the buffer instead. This is the whole cancellation-safety argument.</para>
/// <para><b>Invariants</b> (once cancelled waiters have been aborted): receivers wait only while the buffer is empty
/// and no sender waits; senders wait only while the buffer is full; waiting senders' items come after the buffered
/// items in the stream, in the order the senders arrived.</para>
/// </remarks>
[DebuggerDisplay("{DebuggerText,nq}")]
internal sealed partial class MemoryChannelCore<T> : IParkWaiter, INamedChannel
{
    readonly Lock _gate = new();
    readonly int _capacity;

    // Called, outside the lock, with every buffered item when the last receive end closes.
    readonly Action<T>? _onUndelivered;

    // The buffer: a ring of _count items starting at _head. Grows by doubling up to _capacity, never shrinks.
    T[] _buffer = [];
    int _head;
    int _count;

    readonly WaiterQueue<T> _senders = new();
    readonly WaiterQueue<T> _receivers = new();

    // Tasks in ChannelReader.WaitToReadAsync / ChannelWriter.WaitToWriteAsync of a view: woken all at once when the
    // channel changes in their favour, they look again.
    readonly WaitQueue _readWaiters = new();
    readonly WaitQueue _writeWaiters = new();

    // Free waiters, linked through Next; and one more, set and taken with interlocked operations, so that a task
    // resuming from a hand-off returns its waiter without taking the lock.
    ChannelWaiter<T>? _pool;
    ChannelWaiter<T>? _spare;

    int _openSend;
    int _openReceive;

    // The error a writer view completed with (first one wins), reported once the stream has ended.
    Exception? _completionError;

    // Completion tasks of reader views, completed when the stream has ended and is drained.
    List<TaskCompletionSource>? _completions;

    // For the channel instruments (docs/observability.md), reported for named channels only: items receivers took, and
    // accepted items nobody will receive (buffered when the last receive end closed). Items sent = received + dropped +
    // buffered, so a send needs no count of its own.
    long _received;
    long _dropped;
    readonly string? _name;

    internal MemoryChannelCore(int capacity, Action<T>? onUndelivered = null, string? name = null)
    {
        _capacity = capacity;
        _onUndelivered = onUndelivered;
        _openSend = 1;
        _openReceive = 1;
        _name = name;
        if (name is not null)
            NamedChannelRegistry.Add(this);
    }

    string INamedChannel.Name => _name!;

    bool INamedChannel.IsClosed => Volatile.Read(ref _openSend) == 0 && Volatile.Read(ref _openReceive) == 0;

    void INamedChannel.Read(out long sent, out long received, out long buffered)
    {
        lock (_gate)
        {
            received = _received;
            buffered = _count;
            sent = _received + _dropped + _count;
        }
    }

    internal int Capacity => _capacity;

    string DebuggerText
    {
        get
        {
            lock (_gate)
                return $"capacity {(_capacity == MemoryChannel.Unbounded ? "unbounded" : _capacity)}, buffered {_count}, send ends {_openSend}, receive ends {_openReceive}, waiting: {_senders.Count} send, {_receivers.Count} receive";
        }
    }

    // Stream ended: no send end left, nothing buffered (no sender can wait once every send end is closed).
    bool EndedLocked => _openSend == 0 && _count == 0;

    // ---------------------------------------------------------------- sending

    internal ValueTask SendAsync(MemorySendChannel<T> end, T item, CancellationToken cancellationToken)
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        ChannelWaiter<T> waiter;
        Parker parker;
        lock (_gate)
        {
            if (end.ClosedLocked)
                throw ClosedError(end);
            if (_openReceive == 0)
                throw BrokenError();
            if (TryDeliverLocked(item))
                goto Delivered;
            parker = task.RentParker();
            waiter = RentWaiterLocked();
            waiter.Prepare(parker, end, isSender: true, item);
            _senders.Enqueue(waiter);
#pragma warning disable CA2012 // The waiter hands out its own ValueTask over this park (it kept the parker's token).
            parker.Park(waiter);
#pragma warning restore CA2012
            // A waiting sender is an item that TryReceive can take.
            WakeAllLocked(_readWaiters);
        }
        Blocking.RegisterWithScope(task, parker, cancellationToken);
        return new ValueTask(waiter, waiter.Version);

    Delivered:
        return Blocking.CompletedWithoutBlocking(task);
    }

    internal bool TrySend(MemorySendChannel<T> end, T item)
    {
        lock (_gate)
        {
            if (end.ClosedLocked)
                throw ClosedError(end);
            return _openReceive != 0 && TryDeliverLocked(item);
        }
    }

    /// <summary>Hands <paramref name="item"/> to the first receiver that can still take it, else buffers it if there is room.</summary>
    bool TryDeliverLocked(T item)
    {
        while (_receivers.Dequeue() is { } receiver)
        {
            receiver.Item = item;
            if (receiver.TryWake())
            {
                _received++;
                return true;
            }
            // Cancelled (or closed) in the meantime: it takes nothing.
            receiver.Item = default!;
        }
        if (_count >= _capacity)
            return false;
        PushLocked(item);
        WakeAllLocked(_readWaiters);
        return true;
    }

    // ---------------------------------------------------------------- receiving

    internal ValueTask<T> ReceiveAsync(MemoryReceiveChannel<T> end, CancellationToken cancellationToken)
    {
        var task = Blocking.CurrentTask();
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        ChannelWaiter<T> waiter;
        Parker parker;
        T item;
        lock (_gate)
        {
            if (end.ClosedLocked)
                throw ClosedError(end);
            if (TryTakeLocked(out item))
                goto Taken;
            if (_openSend == 0)
                throw EndError();
            parker = task.RentParker();
            waiter = RentWaiterLocked();
            waiter.Prepare(parker, end, isSender: false, default!);
            _receivers.Enqueue(waiter);
#pragma warning disable CA2012 // The waiter hands out its own ValueTask over this park (it kept the parker's token).
            parker.Park(waiter);
#pragma warning restore CA2012
            // A waiting receiver lets TrySend hand over an item, even on a rendezvous channel.
            WakeAllLocked(_writeWaiters);
        }
        Blocking.RegisterWithScope(task, parker, cancellationToken);
        return new ValueTask<T>(waiter, waiter.Version);

    Taken:
        return CompletedWithoutBlocking(task, item);
    }

    /// <summary>
    /// <see cref="Blocking.CompletedWithoutBlocking"/> for a receive: the item, after a schedule point once the task
    /// has spent its cooperative budget. The schedule point comes after the item was taken and cannot be cancelled,
    /// so nothing is lost. It carries the item in a pooled waiter, not an async method, so that its continuation goes
    /// straight to the task's scheduler and nothing is allocated.
    /// </summary>
    ValueTask<T> CompletedWithoutBlocking(TaskInfo task, T item)
    {
        int budget = task.Loop?.CooperativeBudget ?? LoopOptions.DefaultCooperativeBudget;
        if (++task.BudgetUsed < budget)
            return new ValueTask<T>(item);
        task.BudgetUsed = 0;
        var parker = task.RentParker();
        ChannelWaiter<T> waiter;
        lock (_gate)
            waiter = RentWaiterLocked();
        waiter.Prepare(parker, this, isSender: false, item);
#pragma warning disable CA2012 // The waiter hands out its own ValueTask over this yield (it kept the parker's token).
        parker.Yield();
#pragma warning restore CA2012
        return new ValueTask<T>(waiter, waiter.Version);
    }

    internal bool TryReceive(MemoryReceiveChannel<T> end, out T item)
    {
        lock (_gate)
        {
            if (end.ClosedLocked)
                throw ClosedError(end);
            return TryTakeLocked(out item);
        }
    }

    /// <summary>
    /// Takes the next item: the head of the buffer (refilled from the longest-waiting sender, so that a newcomer
    /// cannot take the freed slot), else the item of the first waiting sender that can still give it (rendezvous).
    /// </summary>
    bool TryTakeLocked(out T item)
    {
        if (_count > 0)
        {
            item = PopLocked();
            while (_senders.Dequeue() is { } sender)
            {
                var sent = sender.Item;
                sender.Item = default!;
                if (sender.TryWake())
                {
                    PushLocked(sent);
                    _received++;
                    return true;
                }
                // The sender was cancelled (or closed): its SendAsync throws, so its item was never sent.
            }
            if (_count == 0 && _openSend == 0)
                CompleteDrainedLocked();
            WakeAllLocked(_writeWaiters);
            _received++;
            return true;
        }
        while (_senders.Dequeue() is { } sender)
        {
            var sent = sender.Item;
            sender.Item = default!;
            if (sender.TryWake())
            {
                item = sent;
                _received++;
                return true;
            }
        }
        item = default!;
        return false;
    }

    // ---------------------------------------------------------------- waiters

    ChannelWaiter<T> RentWaiterLocked()
    {
        // No interlocked operation on the spare slot (W2 does one rent and one release per step): rents are serialized
        // by the lock, and Release only ever fills an empty slot, so a waiter read here is still there when it is
        // taken. Two releases racing off the loop may both fill it: one of the two waiters is then left to the GC.
        if (Volatile.Read(ref _spare) is { } spare)
        {
            Volatile.Write(ref _spare, null);
            return spare;
        }
        var waiter = _pool;
        if (waiter is null)
            return new ChannelWaiter<T>(this);
        _pool = waiter.Next;
        waiter.Next = null;
        return waiter;
    }

    /// <summary>
    /// Called by the resumed task once it has read its result: takes the waiter out of its queue if it is still in
    /// it (woken by a cancellation whose abort has not run yet) and puts it back in the pool.
    /// </summary>
    internal void Release(ChannelWaiter<T> waiter, bool woken)
    {
        if (woken && waiter.Queue is null)
        {
            // A hand-off took the waiter out of its queue (under the lock, before the wake that got us here): put it
            // in the spare slot without taking the lock. A late Abort ignores it, as it is in no queue.
            waiter.Reset();
            if (Volatile.Read(ref _spare) is null)
            {
                Volatile.Write(ref _spare, waiter);
                return;
            }
            lock (_gate)
            {
                waiter.Next = _pool;
                _pool = waiter;
            }
            return;
        }
        lock (_gate)
        {
            waiter.Queue?.Remove(waiter);
            waiter.Reset();
            waiter.Next = _pool;
            _pool = waiter;
        }
    }

    /// <summary>
    /// A cancellation woke the task blocked on <paramref name="waiter"/> (<see cref="Parker.TryAbort(Exception)"/>):
    /// drop it from its queue now, so that the statistics and the next hand-off no longer see it.
    /// </summary>
    /// <remarks>
    /// Off the loop the task may already have resumed, released the waiter and even blocked again with it before
    /// this runs; only a waiter that is still queued for this very parker and whose wait is over is dropped.
    /// </remarks>
    internal void Abort(ChannelWaiter<T> waiter, Parker parker)
    {
        lock (_gate)
        {
            if (ReferenceEquals(waiter.Parker, parker) && waiter.Queue is not null && !parker.IsParked)
            {
                waiter.Queue.Remove(waiter);
                if (waiter.IsSender)
                    waiter.Item = default!;
            }
        }
    }

    /// <summary>
    /// Test seam for the race that only threads produce: wakes the first blocked sender or receiver with
    /// <paramref name="error"/> exactly as a cancellation from another thread does, but leaves it in its queue until the
    /// returned action (the cancellation's <see cref="IParkWaiter.Abort"/>) runs.
    /// </summary>
    internal Action WakeFirstWaiterLikeARacingCancellation(bool sender, Exception error)
    {
        ChannelWaiter<T> waiter;
        Parker parker;
        lock (_gate)
        {
            waiter = (sender ? _senders : _receivers).First ?? throw new InvalidOperationException("No task is blocked there.");
            parker = waiter.Parker!;
        }
        if (!parker.TryWake(error))
            throw new InvalidOperationException("The waiter was woken already.");
        return () => ((IParkWaiter)waiter).Abort(parker);
    }

    string IParkWaiter.Describe() => "ChannelReader.WaitToReadAsync or ChannelWriter.WaitToWriteAsync";

    void IParkWaiter.Abort(Parker parker)
    {
        // Same care as Abort above: a parker that is parked again is in a later wait, not this one.
        lock (_gate)
        {
            if (!parker.IsParked)
            {
                _readWaiters.Remove(parker);
                _writeWaiters.Remove(parker);
            }
        }
    }

    static void WakeAllLocked(WaitQueue queue)
    {
        while (queue.Dequeue() is { } parker)
            parker.TryWake();
    }

    // ---------------------------------------------------------------- buffer

    void PushLocked(T item)
    {
        if (_count == _buffer.Length)
            Grow();
        int tail = _head + _count;
        if (tail >= _buffer.Length)
            tail -= _buffer.Length;
        _buffer[tail] = item;
        _count++;
    }

    T PopLocked()
    {
        var item = _buffer[_head];
        _buffer[_head] = default!;
        if (++_head == _buffer.Length)
            _head = 0;
        _count--;
        return item;
    }

    void Grow()
    {
        long wanted = Math.Max(4L, _buffer.Length * 2L);
        int length = (int)Math.Min(wanted, Math.Min(_capacity, Array.MaxLength));
        if (length <= _count)
            throw new InvalidOperationException($"The channel's buffer cannot grow past {Array.MaxLength} items; receive faster or use a bounded channel.");
        var grown = new T[length];
        for (int i = 0; i < _count; i++)
        {
            int index = _head + i;
            if (index >= _buffer.Length)
                index -= _buffer.Length;
            grown[i] = _buffer[index];
        }
        _buffer = grown;
        _head = 0;
    }

    // ---------------------------------------------------------------- errors

    static ClosedResourceException ClosedError(object end)
        => new(end is MemorySendChannel<T>
            ? "This send end of the channel was closed. Send through another clone (Clone() before Close()), or stop sending."
            : "This receive end of the channel was closed. Receive through another clone (Clone() before Close()), or stop receiving.");

    static BrokenResourceException BrokenError()
        => new("Every receive end of the channel is closed, so nothing sent can be received. Stop sending, or keep a receive end open while sending.");

    EndOfChannelException EndError()
        => _completionError is null
            ? new EndOfChannelException()
            : new EndOfChannelException("The channel has ended: its senders completed it with an error (see InnerException).", _completionError);
}
