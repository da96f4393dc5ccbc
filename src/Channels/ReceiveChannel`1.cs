using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Structured;

/// <summary>
/// The receiving end of a channel (Trio's <c>MemoryReceiveChannel</c>): take items with <see cref="ReceiveAsync"/> or
/// <c>await foreach</c>, hand clones to other consumers with <see cref="Clone"/>, and <see cref="Close"/> each end
/// when its consumer is done. Made by <see cref="MemoryChannel.Create{T}(int)"/> or by wrapping a
/// <see cref="ChannelReader{T}"/> (<see cref="MemoryChannel.FromReader{T}(ChannelReader{T})"/>).
/// </summary>
/// <remarks>
/// <para>Clones share one stream: each item goes to exactly one receiver, whichever end it used. Closing one end does
/// not close its clones. When the last receive end of a channel is closed, the channel is broken: its buffer is
/// dropped and every waiting and later send throws <see cref="BrokenResourceException"/>.</para>
/// <para>Thread-safe: any number of tasks, on the loop or on the thread pool, may use an end at once.</para>
/// </remarks>
/// <typeparam name="T">The item type.</typeparam>
[DebuggerDisplay("{ToString(),nq}")]
public abstract class ReceiveChannel<T> : IAsyncEnumerable<T>, IAsyncDisposable
{
    ChannelReader<T>? _reader;

    // Only this library derives ends: the channel semantics (clone, close, cancellation safety) live in them.
    private protected ReceiveChannel()
    {
    }

    /// <summary>Whether <see cref="Close"/> (or <see cref="DisposeAsync"/>) was called on this end.</summary>
    public abstract bool IsClosed { get; }

    /// <summary>A snapshot of the channel's buffer, open ends and waiting tasks.</summary>
    public abstract ChannelStatistics Statistics { get; }

    /// <summary>
    /// Receives the next item: from the buffer, from a waiting sender, or by waiting for one (Trio's <c>receive</c>).
    /// </summary>
    /// <remarks>
    /// <para>A checkpoint: it throws <see cref="Cancelled"/> in a cancelled scope even when an item is ready, and lets
    /// other tasks run when it blocks or when the task has spent its cooperative budget.</para>
    /// <para>Cancellation is safe: when it throws <see cref="OperationCanceledException"/> (a cancelled scope or
    /// <paramref name="cancellationToken"/>), it took nothing; the item it would have got stays in the channel for the
    /// next receiver. Waiting receivers are served first come, first served.</para>
    /// </remarks>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>The item.</returns>
    /// <exception cref="Cancelled">The code is cancelled; nothing was taken.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing was taken.</exception>
    /// <exception cref="EndOfChannelException">Every send end is closed and the buffer is drained.</exception>
    /// <exception cref="ClosedResourceException">This end is closed, or was closed while the task waited.</exception>
    public abstract ValueTask<T> ReceiveAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Receives an item if one is ready (Trio's <c>receive_nowait</c>). Never blocks and is not a checkpoint.
    /// </summary>
    /// <param name="item">The item, or <c>default</c> when there was none.</param>
    /// <returns>
    /// True when an item was taken; false when there is none ready, including when the channel has ended (every send
    /// end closed and the buffer drained).
    /// </returns>
    /// <exception cref="ClosedResourceException">This end is closed.</exception>
    public abstract bool TryReceive([MaybeNullWhen(false)] out T item);

    /// <summary>
    /// A new receive end of the same channel (Trio's <c>clone</c>). Clones compete for items: each item goes to one
    /// of them. The channel breaks only once every receive end, clones included, is closed.
    /// </summary>
    /// <returns>A new, open receive end.</returns>
    /// <exception cref="ClosedResourceException">This end is closed.</exception>
    public abstract ReceiveChannel<T> Clone();

    /// <summary>
    /// Closes this end (Trio's <c>close</c>). Tasks blocked in <see cref="ReceiveAsync"/> on this very end throw
    /// <see cref="ClosedResourceException"/>; other clones keep working. Closing the last receive end breaks the
    /// channel for senders and drops the buffered items (handing each to the channel's <c>onUndelivered</c> callback, if it
    /// has one: <see cref="MemoryChannel.Create{T}(int, Action{T})"/>). Idempotent; not a checkpoint, so it works in a cancelled scope.
    /// </summary>
    public abstract void Close();

    /// <summary>Closes this end, as <see cref="Close"/>. Not a checkpoint: it never throws <see cref="Cancelled"/>.</summary>
    /// <returns>A completed task.</returns>
    [NotACheckpoint]
    public ValueTask DisposeAsync()
    {
        Close();
        GC.SuppressFinalize(this);
        return default;
    }

    /// <summary>
    /// Enumerates the stream (Trio's <c>async for</c>): each step is <see cref="ReceiveAsync"/>, and the enumeration
    /// ends normally once every send end is closed and the buffer is drained. It does not close this end.
    /// </summary>
    /// <remarks>
    /// When the senders completed the channel with an error (see <see cref="SendChannel{T}.AsWriter"/>), the enumeration throws
    /// <see cref="EndOfChannelException"/> holding it instead of ending quietly. Cancellation behaves as in
    /// <see cref="ReceiveAsync"/>: no item is lost.
    /// </remarks>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>An enumerator over the items.</returns>
    public async IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            T item;
            try
            {
                item = await ReceiveAsync(cancellationToken);
            }
            catch (EndOfChannelException e) when (e.InnerException is null)
            {
                break;
            }
            yield return item;
        }
    }

    /// <summary>
    /// This end seen as a <see cref="ChannelReader{T}"/>, for code written against System.Threading.Channels. The reader
    /// receives through this end: <c>ReadAsync</c> is <see cref="ReceiveAsync"/> (a checkpoint that obeys the ambient
    /// cancel scope), <c>TryRead</c> is <see cref="TryReceive"/>, <c>WaitToReadAsync</c> waits until an item is ready,
    /// <c>Completion</c> completes once the stream has ended and is drained (or this end is closed), and
    /// <c>ReadAllAsync</c>, <c>Count</c> and <c>TryPeek</c> work as usual.
    /// </summary>
    /// <remarks>
    /// <para>Following System.Threading.Channels, the reader reports the end of the stream as false from
    /// <c>WaitToReadAsync</c> and <c>TryRead</c>, and as <see cref="ChannelClosedException"/> from <c>ReadAsync</c>;
    /// an error the senders completed with is thrown by <c>WaitToReadAsync</c>, is the inner exception of
    /// <c>ReadAsync</c>'s <see cref="ChannelClosedException"/> and faults <c>Completion</c>; an
    /// <see cref="OperationCanceledException"/> cancels <c>Completion</c> and comes out as itself.</para>
    /// <para>Nothing throws at the call: an already-cancelled token or scope gives a cancelled ValueTask. A pending
    /// ValueTask takes one continuation and one <c>GetResult</c>, and <c>GetResult</c> before it completes throws
    /// <see cref="InvalidOperationException"/> rather than block.</para>
    /// </remarks>
    /// <returns>The reader view (the same object on every call).</returns>
    public ChannelReader<T> AsReader() => _reader ??= new ReceiveChannelReader<T>(this);

    /// <summary>
    /// Waits until an item is ready: true then; false when this end is closed or the stream ended and is drained.
    /// </summary>
    internal abstract ValueTask<bool> WaitToReceiveAsync(CancellationToken cancellationToken);

    /// <summary>The next item, without taking it, if one is ready.</summary>
    internal abstract bool TryPeek([MaybeNullWhen(false)] out T item);

    /// <summary>Whether <see cref="ReadyCount"/> is known (not for every wrapped reader).</summary>
    internal virtual bool CanCount => true;

    /// <summary>Whether <see cref="TryPeek"/> works (not for every wrapped reader).</summary>
    internal virtual bool CanPeek => true;

    /// <summary>Items ready to receive now.</summary>
    internal abstract int ReadyCount { get; }

    /// <summary>Completes once no item will ever come through this end; faulted with the senders' error, if any.</summary>
    internal abstract Task Completion { get; }

    /// <summary>The error the senders completed the channel with, once the stream has ended; else null.</summary>
    internal abstract Exception? CompletionError { get; }
}
