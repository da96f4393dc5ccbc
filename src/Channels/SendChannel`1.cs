using System.Diagnostics;
using System.Threading.Channels;

namespace Structured;

/// <summary>
/// The sending end of a channel (Trio's <c>MemorySendChannel</c>): send items with <see cref="SendAsync"/>, hand
/// clones to other producers with <see cref="Clone"/>, and <see cref="Close"/> each end when its producer is done.
/// Made by <see cref="MemoryChannel.Create{T}(int)"/> or by wrapping a
/// <see cref="ChannelWriter{T}"/> (<see cref="MemoryChannel.FromWriter{T}(ChannelWriter{T})"/>).
/// </summary>
/// <remarks>
/// <para>Each end is a handle of its own: closing it does not close its clones. When the last send end of a channel
/// is closed, receivers drain the buffer and then see the end of the stream (<see cref="EndOfChannelException"/>,
/// or the end of <c>await foreach</c>).</para>
/// <para>Thread-safe: any number of tasks, on the loop or on the thread pool, may use an end at once.</para>
/// </remarks>
/// <typeparam name="T">The item type. <c>null</c> is an ordinary item.</typeparam>
[DebuggerDisplay("{ToString(),nq}")]
public abstract class SendChannel<T> : IAsyncDisposable
{
    ChannelWriter<T>? _writer;

    // Only this library derives ends: the channel semantics (clone, close, cancellation safety) live in them.
    private protected SendChannel()
    {
    }

    /// <summary>Whether <see cref="Close"/> (or <see cref="DisposeAsync"/>) was called on this end.</summary>
    public abstract bool IsClosed { get; }

    /// <summary>A snapshot of the channel's buffer, open ends and waiting tasks.</summary>
    public abstract ChannelStatistics Statistics { get; }

    /// <summary>
    /// Sends <paramref name="item"/>: puts it in the buffer, or hands it to a waiting receiver, or waits until one
    /// of the two is possible (Trio's <c>send</c>). On a rendezvous channel (capacity 0) it returns only once a
    /// receiver has taken the item.
    /// </summary>
    /// <remarks>
    /// <para>A checkpoint: it throws <see cref="Cancelled"/> in a cancelled scope even when it would not block, and lets
    /// other tasks run when it blocks or when the task has spent its cooperative budget.</para>
    /// <para>Cancellation is safe: when it throws <see cref="OperationCanceledException"/> (a cancelled scope or
    /// <paramref name="cancellationToken"/>), the item was not delivered and no receiver will ever see it. When it
    /// returns, the item is in the channel and will be received exactly once, unless every receive end is closed
    /// first. Waiting senders are served first come, first served.</para>
    /// </remarks>
    /// <param name="item">The item to send.</param>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>A task that completes when the item is in the channel.</returns>
    /// <exception cref="Cancelled">The code is cancelled; the item was not sent.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the item was not sent.</exception>
    /// <exception cref="ClosedResourceException">This end is closed, or was closed while the task waited.</exception>
    /// <exception cref="BrokenResourceException">Every receive end is closed, or was closed while the task waited.</exception>
    public abstract ValueTask SendAsync(T item, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends <paramref name="item"/> if that is possible without waiting (Trio's <c>send_nowait</c>). Never blocks and is
    /// not a checkpoint.
    /// </summary>
    /// <param name="item">The item to send.</param>
    /// <returns>
    /// True when the item went into the buffer or to a waiting receiver; false when the buffer is full (a rendezvous
    /// channel with no waiting receiver) or when every receive end is closed.
    /// </returns>
    /// <exception cref="ClosedResourceException">This end is closed.</exception>
    public abstract bool TrySend(T item);

    /// <summary>
    /// A new send end of the same channel (Trio's <c>clone</c>). Receivers see the end of the stream only once every
    /// send end, clones included, is closed: give each producer its own clone and let it close that clone.
    /// </summary>
    /// <returns>A new, open send end.</returns>
    /// <exception cref="ClosedResourceException">This end is closed.</exception>
    public abstract SendChannel<T> Clone();

    /// <summary>
    /// Closes this end (Trio's <c>close</c>). Tasks blocked in <see cref="SendAsync"/> on this very end throw
    /// <see cref="ClosedResourceException"/>; other clones keep working. Closing the last send end ends the stream
    /// for receivers once they drain the buffer. Idempotent; not a checkpoint, so it works in a cancelled scope.
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
    /// This end seen as a <see cref="ChannelWriter{T}"/>, for code written against System.Threading.Channels. The writer
    /// sends through this end: <c>WriteAsync</c> is <see cref="SendAsync"/> (a checkpoint that obeys the ambient cancel
    /// scope), <c>TryWrite</c> is <see cref="TrySend"/>, <c>WaitToWriteAsync</c> waits until a send would not block, and
    /// <c>TryComplete</c> closes this end (its error reaches receivers as the <see cref="Exception.InnerException"/> of
    /// <see cref="EndOfChannelException"/> and faults a reader view's <c>Completion</c>).
    /// </summary>
    /// <remarks>
    /// <para>Following System.Threading.Channels, the writer reports a closed or broken channel as
    /// <see cref="ChannelClosedException"/> from <c>WriteAsync</c>, false from <c>TryWrite</c> and <c>WaitToWriteAsync</c>;
    /// once <c>TryComplete(error)</c> closed this end, <c>WriteAsync</c> throws <see cref="ChannelClosedException"/>
    /// holding that error and <c>WaitToWriteAsync</c> throws the error itself (an <see cref="OperationCanceledException"/>
    /// comes out as itself from both). Nothing throws at the call: an already-cancelled token or scope gives a
    /// cancelled ValueTask. A pending ValueTask takes one continuation and one <c>GetResult</c>, and
    /// <c>GetResult</c> before it completes throws <see cref="InvalidOperationException"/> rather than block.</para>
    /// <para>On a rendezvous channel, <c>WaitToWriteAsync</c> waits for a receiver blocked in <c>ReceiveAsync</c>.</para>
    /// </remarks>
    /// <returns>The writer view (the same object on every call).</returns>
    public ChannelWriter<T> AsWriter() => _writer ??= new SendChannelWriter<T>(this);

    /// <summary>Waits until a send on this end would not block: true then, false when the end is closed or the channel broken.</summary>
    internal abstract ValueTask<bool> WaitToSendAsync(CancellationToken cancellationToken);

    /// <summary>Closes this end, recording <paramref name="error"/> for receivers; false when it was closed already.</summary>
    internal abstract bool TryComplete(Exception? error);

    /// <summary>
    /// The error this end was closed with by <see cref="TryComplete"/>, or null (open, or closed without one): the writer
    /// view reports it from <c>WriteAsync</c> and <c>WaitToWriteAsync</c>, as System.Threading.Channels does.
    /// </summary>
    internal abstract Exception? CompletedWith { get; }
}
