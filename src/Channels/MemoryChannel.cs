using System.Threading.Channels;

namespace Structured;

/// <summary>
/// Makes channels (Trio's <c>open_memory_channel</c>): a pair of a <see cref="SendChannel{T}"/> and a
/// <see cref="ReceiveChannel{T}"/> that move items between tasks, on the loop or on the thread pool. Also wraps
/// System.Threading.Channels ends as ours.
/// </summary>
/// <example>
/// <code>
/// var (send, receive) = MemoryChannel.Create&lt;int&gt;(capacity: 10);
/// await Nursery.RunAsync(async n =>
/// {
///     n.StartSoon(async () =>
///     {
///         await using (send)
///             for (int i = 0; i &lt; 100; i++)
///                 await send.SendAsync(i);
///     });
///     await foreach (var item in receive)
///         Console.WriteLine(item);
/// });
/// </code>
/// </example>
public static class MemoryChannel
{
    /// <summary>
    /// The capacity of a channel whose buffer has no limit: <see cref="SendChannel{T}.SendAsync"/> never blocks (it still
    /// yields once the cooperative budget is spent). Equal to <see cref="int.MaxValue"/>.
    /// </summary>
    public const int Unbounded = int.MaxValue;

    /// <summary>
    /// Creates a channel and returns its first send end and first receive end.
    /// </summary>
    /// <remarks>
    /// <para><paramref name="capacity"/> 0 makes a rendezvous channel: a send completes only once a receiver has taken
    /// the item. A positive capacity buffers that many items before a send blocks; <see cref="Unbounded"/> never
    /// blocks a sender. The buffer grows as needed, so a large capacity costs nothing up front.</para>
    /// <para>Items are received in the order they were sent (per sender; senders racing each other are ordered by
    /// who got there first), each by exactly one receiver. Blocked senders and receivers are served first come,
    /// first served. See <see cref="SendChannel{T}.SendAsync"/> and <see cref="ReceiveChannel{T}.ReceiveAsync"/> for
    /// the cancellation guarantees.</para>
    /// </remarks>
    /// <typeparam name="T">The item type. <c>null</c> is an ordinary item.</typeparam>
    /// <param name="capacity">How many items the buffer holds: 0 (rendezvous), a positive number, or <see cref="Unbounded"/>.</param>
    /// <returns>The send end and the receive end.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is negative.</exception>
    public static (SendChannel<T> Send, ReceiveChannel<T> Receive) Create<T>(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        var core = new MemoryChannelCore<T>(capacity);
        return (new MemorySendChannel<T>(core), new MemoryReceiveChannel<T>(core));
    }

    /// <summary>
    /// Creates a channel, as <see cref="Create{T}(int)"/>, whose buffered items are handed to
    /// <paramref name="onUndelivered"/> when they can no longer be received (Kotlin's <c>onUndeliveredElement</c>),
    /// so that resources carried by items (connections, leases, pooled buffers) are released rather than lost.
    /// </summary>
    /// <remarks>
    /// <para><b>Called</b> exactly once for each item that the channel accepted (a <c>SendAsync</c> or
    /// <see cref="SendChannel{T}.TrySend"/> that succeeded, or a select's send branch that won) and that no receiver
    /// took: when the last receive end closes, for each item still in the buffer, in the order they would have been
    /// received. It runs synchronously on the thread that closes that end (the loop thread for a loop task), after the
    /// channel's lock is released, so it may use the channel (sending throws <see cref="BrokenResourceException"/>).</para>
    /// <para><b>Not called</b> for an item the channel never accepted, because its sender still has it: a send that
    /// throws (cancelled, <see cref="BrokenResourceException"/>, <see cref="ClosedResourceException"/>), a
    /// <c>TrySend</c> that returned false, a blocked sender woken by the close of the last receive end (it throws
    /// <see cref="BrokenResourceException"/>), the send branch of a select that another branch won. Not called for an
    /// item a receiver took, even if the receive was then cancelled (a receive that took an item always returns it), nor
    /// for items buffered when every send end closes (they can still be received), nor for a channel dropped without
    /// closing its receive ends (close them, e.g. with <c>await using</c>).</para>
    /// <para><b>If it throws</b>, the remaining items still get their calls; then the <c>Close</c> (or
    /// <c>DisposeAsync</c>) that closed the last receive end throws the exception, or an <see cref="AggregateException"/>
    /// of them when several calls threw. The channel is closed either way.</para>
    /// </remarks>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="capacity">How many items the buffer holds: 0 (rendezvous), a positive number, or <see cref="Unbounded"/>.</param>
    /// <param name="onUndelivered">Called with each accepted item that will never be received.</param>
    /// <returns>The send end and the receive end.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="onUndelivered"/> is null.</exception>
    public static (SendChannel<T> Send, ReceiveChannel<T> Receive) Create<T>(int capacity, Action<T> onUndelivered)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentNullException.ThrowIfNull(onUndelivered);
        var core = new MemoryChannelCore<T>(capacity, onUndelivered);
        return (new MemorySendChannel<T>(core), new MemoryReceiveChannel<T>(core));
    }

    /// <summary>
    /// Creates a channel, as <see cref="Create{T}(int)"/> (or <see cref="Create{T}(int, Action{T})"/> when
    /// <paramref name="onUndelivered"/> is given), with a name under which the metrics report it: the
    /// <c>structured.channel.items.sent</c>, <c>structured.channel.items.received</c> and
    /// <c>structured.channel.queue.length</c> instruments of the "Structured" meter, tagged
    /// <c>structured.channel.name</c> (docs/observability.md).
    /// </summary>
    /// <remarks>
    /// <para>Only named channels are reported, so name the few that matter (a service's work queue), not a channel made
    /// per request: each name is a time series. Channels of the same name are summed into one series. A channel is
    /// reported until every end of it is closed (or it is collected).</para>
    /// <para>Naming costs a lock and a weak reference when the channel is made, nothing per item.</para>
    /// </remarks>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="capacity">How many items the buffer holds: 0 (rendezvous), a positive number, or <see cref="Unbounded"/>.</param>
    /// <param name="name">The channel's name in the metrics, e.g. "jobs".</param>
    /// <param name="onUndelivered">Called with each accepted item that will never be received (see <see cref="Create{T}(int, Action{T})"/>); null for none.</param>
    /// <returns>The send end and the receive end.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or white space: give the channel a name, or use <see cref="Create{T}(int)"/>.</exception>
    public static (SendChannel<T> Send, ReceiveChannel<T> Receive) Create<T>(int capacity, string name, Action<T>? onUndelivered = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var core = new MemoryChannelCore<T>(capacity, onUndelivered, name);
        return (new MemorySendChannel<T>(core), new MemoryReceiveChannel<T>(core));
    }

    /// <summary>
    /// Wraps a System.Threading.Channels <see cref="ChannelReader{T}"/> as a <see cref="ReceiveChannel{T}"/>: our clone,
    /// close, checkpoints and ambient cancellation on top of someone else's channel. Same as
    /// <see cref="ChannelInteropExtensions.AsReceiveChannel{T}(ChannelReader{T})"/>.
    /// </summary>
    /// <remarks>
    /// <para>The stream ends (<see cref="EndOfChannelException"/>, or the end of <c>await foreach</c>) when the reader
    /// completes and is drained; when the writer completed it with an error, the end carries that error as
    /// <see cref="Exception.InnerException"/> and <c>await foreach</c> throws. Closing the last clone leaves the reader
    /// untouched (a reader cannot be closed). A cancelled receive takes nothing from the reader.</para>
    /// <para>A receive takes a ready item with <c>TryRead</c>, else waits in the reader's own <c>ReadAsync</c> (so a
    /// rendezvous channel, <c>Channel.CreateBounded&lt;T&gt;(0)</c>, pairs it with a writer), with a token that the ambient
    /// scope, the caller's token and this clone's close cancel. It relies on the reader's guarantee that a cancelled
    /// <c>ReadAsync</c> took nothing, which System.Threading.Channels' own channels and the base class's <c>ReadAsync</c>
    /// give. The task is not parked on the loop, so the loop's deadlock detection and task dump do not see it as
    /// blocked.</para>
    /// </remarks>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="reader">The reader to receive from.</param>
    /// <returns>A receive end over <paramref name="reader"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is null.</exception>
    public static ReceiveChannel<T> FromReader<T>(ChannelReader<T> reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new ReaderReceiveChannel<T>(new WrappedEnds(), reader);
    }

    /// <summary>
    /// Wraps a System.Threading.Channels <see cref="ChannelWriter{T}"/> as a <see cref="SendChannel{T}"/>: our clone,
    /// close, checkpoints and ambient cancellation on top of someone else's channel. Same as
    /// <see cref="ChannelInteropExtensions.AsSendChannel{T}(ChannelWriter{T})"/>.
    /// </summary>
    /// <remarks>
    /// Closing the last clone completes the writer (<see cref="ChannelWriter{T}.TryComplete(Exception?)"/>), with the first
    /// error a clone was completed with, if any. A send on a writer that someone else completed throws
    /// <see cref="BrokenResourceException"/> (holding their error, if any). A send writes with <c>TryWrite</c> when it
    /// can, else waits in the writer's own <c>WriteAsync</c> (so a rendezvous channel pairs it with a reader); a
    /// cancelled send writes nothing, as the writer guarantees for a cancelled <c>WriteAsync</c> (System.Threading.Channels'
    /// own channels and the base class's <c>WriteAsync</c> do).
    /// </remarks>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="writer">The writer to send to.</param>
    /// <returns>A send end over <paramref name="writer"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is null.</exception>
    public static SendChannel<T> FromWriter<T>(ChannelWriter<T> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return new WriterSendChannel<T>(new WrappedEnds(), writer);
    }

    /// <summary>
    /// Wraps both ends of a System.Threading.Channels <see cref="Channel{T}"/>: <see cref="FromWriter{T}(ChannelWriter{T})"/>
    /// of its writer and <see cref="FromReader{T}(ChannelReader{T})"/> of its reader. Closing the last send clone
    /// completes the channel, so receivers see the end.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="channel">The channel to wrap.</param>
    /// <returns>The send end and the receive end.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="channel"/> is null.</exception>
    public static (SendChannel<T> Send, ReceiveChannel<T> Receive) FromChannel<T>(Channel<T> channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return (FromWriter(channel.Writer), FromReader(channel.Reader));
    }
}
