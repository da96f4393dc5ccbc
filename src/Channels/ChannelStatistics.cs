using System.Runtime.InteropServices;

namespace Structured;

/// <summary>
/// A snapshot of a channel's state (Trio's <c>MemoryChannelStatistics</c>), from
/// <see cref="SendChannel{T}.Statistics"/> or <see cref="ReceiveChannel{T}.Statistics"/>. Every end of one channel
/// reports the same numbers.
/// </summary>
/// <remarks>
/// The numbers are taken under the channel's lock, so they are consistent with each other, but other threads may
/// change the channel right after. For an end that wraps a <see cref="System.Threading.Channels.ChannelReader{T}"/> or
/// <see cref="System.Threading.Channels.ChannelWriter{T}"/>, a number the wrapped object does not expose is <c>-1</c>.
/// </remarks>
[StructLayout(LayoutKind.Auto)]
public readonly record struct ChannelStatistics
{
    /// <summary>Items in the buffer now (<c>current_buffer_used</c>). Always 0 for a rendezvous channel.</summary>
    public int BufferUsed { get; init; }

    /// <summary>
    /// How many items the buffer holds at most (<c>max_buffer_size</c>): the capacity given to
    /// <see cref="MemoryChannel.Create{T}(int)"/>; <see cref="MemoryChannel.Unbounded"/> for an unbounded channel.
    /// </summary>
    public int Capacity { get; init; }

    /// <summary>Send ends (the original and its clones) that are not closed yet.</summary>
    public int OpenSendChannels { get; init; }

    /// <summary>Receive ends (the original and its clones) that are not closed yet.</summary>
    public int OpenReceiveChannels { get; init; }

    /// <summary>Tasks blocked in <see cref="SendChannel{T}.SendAsync"/>, on any send end.</summary>
    public int TasksWaitingSend { get; init; }

    /// <summary>Tasks blocked in <see cref="ReceiveChannel{T}.ReceiveAsync"/>, on any receive end.</summary>
    public int TasksWaitingReceive { get; init; }
}
