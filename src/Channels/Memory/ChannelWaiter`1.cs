using System.Diagnostics;
using System.Threading.Tasks.Sources;

namespace Structured;

/// <summary>
/// A task blocked in <c>SendAsync</c> or <c>ReceiveAsync</c> of a memory channel: its place in the channel's wait
/// queue, the item it hands over (typed, so a value type is never boxed), and the <see cref="IValueTaskSource"/> that
/// the caller awaits. Pooled by its channel, so a blocking operation allocates nothing once warm.
/// </summary>
/// <remarks>
/// <para>The task blocks on its <see cref="Parker"/> (the one way a task blocks); this object forwards the awaiter's
/// calls to it, then reads the handed-over item and returns itself to the pool.</para>
/// <para>Thread-safety: every field but <see cref="_version"/> is guarded by the channel's lock while the waiter is
/// queued. The waker writes <see cref="Item"/> before <see cref="Parker.TryWake(Exception?)"/>, whose interlocked operation
/// publishes it to the resuming task.</para>
/// </remarks>
[DebuggerDisplay("{Describe(),nq}")]
internal sealed class ChannelWaiter<T> : IParkWaiter, IValueTaskSource<T>, IValueTaskSource
{
    internal readonly MemoryChannelCore<T> Channel;

    /// <summary>The parker of the current wait, and its version (the token of the ValueTask it handed out).</summary>
    internal Parker? Parker;
    short _parkerToken;

    /// <summary>The end the task is blocked on: closing that end wakes it with <see cref="ClosedResourceException"/>.</summary>
    internal object? Owner;

    /// <summary>A sender's item, or the item handed to a receiver.</summary>
    internal T Item = default!;

    internal bool IsSender;

    /// <summary>The select this waiter is one branch of, and the branch's index; null for a plain send or receive.</summary>
    internal SelectWaiter? Select;
    internal int Branch;

    /// <summary>Links in the wait queue (or, in the pool, the next free waiter).</summary>
    internal ChannelWaiter<T>? Next, Previous;

    /// <summary>The queue the waiter is in, or null.</summary>
    internal WaiterQueue<T>? Queue;

    /// <summary>Bumped when the waiter goes back to the pool, so a stale ValueTask cannot reach a later wait.</summary>
    short _version;

    internal ChannelWaiter(MemoryChannelCore<T> channel) => Channel = channel;

    internal short Version => _version;

    /// <summary>Sets the waiter up for one wait; the caller holds the channel's lock and parks the parker right after.</summary>
    internal void Prepare(Parker parker, object owner, bool isSender, T item)
    {
        Parker = parker;
        _parkerToken = parker.Version;
        Owner = owner;
        IsSender = isSender;
        Item = item;
    }

    /// <summary>Wakes the task of this wait (and of no later one); false when a cancellation or a close won already.</summary>
    /// <remarks>
    /// A branch of a select first claims the select: only the first claimant may wake it, so of all the channels a
    /// select waits on, at most one hands it an item (or an error), and a losing channel treats it as cancelled.
    /// </remarks>
    internal bool TryWake(Exception? error = null)
        => Select is { } select ? select.TryClaim(Branch, error) : Parker!.TryWake(_parkerToken, error);

    /// <summary>Clears the waiter for the pool; the caller holds the channel's lock.</summary>
    internal void Reset()
    {
        Parker = null;
        Owner = null;
        Item = default!;
        Select = null;
        _version++;
    }

    public string Describe() => IsSender ? "SendChannel.SendAsync" : "ReceiveChannel.ReceiveAsync";

    string IParkWaiter.Describe() => Describe();

    void IParkWaiter.Abort(Parker parker) => Channel.Abort(this, parker);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => Status(token);

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => Status(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => OnCompleted(continuation, state, token, flags);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => OnCompleted(continuation, state, token, flags);

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    T IValueTaskSource<T>.GetResult(short token) => GetResult(token);

    ValueTaskSourceStatus Status(short token)
    {
        ValidateToken(token);
        return ((IValueTaskSource)Parker!).GetStatus(_parkerToken);
    }

    void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        ValidateToken(token);
        ((IValueTaskSource)Parker!).OnCompleted(continuation, state, _parkerToken, flags);
    }

    T GetResult(short token)
    {
        ValidateToken(token);
        try
        {
            // Rethrows a cancellation, a close or a break; unregisters from the cancel scope.
            ((IValueTaskSource)Parker!).GetResult(_parkerToken);
        }
        catch
        {
            Channel.Release(this, woken: false);
            throw;
        }
        var item = Item;
        Channel.Release(this, woken: true);
        return item;
    }

    void ValidateToken(short token)
    {
        if (token != _version)
            throw new InvalidOperationException("This ValueTask of a channel was awaited twice or after it completed; a ValueTask may be awaited once (use AsTask() to await it again).");
    }
}
