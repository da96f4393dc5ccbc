using System.Threading.Channels;

namespace Structured;

/// <summary>
/// Extension methods that wrap System.Threading.Channels ends as Structured channel ends (the other direction,
/// our ends seen as System.Threading.Channels ends, is <see cref="SendChannel{T}.AsWriter"/> and
/// <see cref="ReceiveChannel{T}.AsReader"/>).
/// </summary>
public static class ChannelInteropExtensions
{
    /// <summary>Wraps <paramref name="reader"/> as a <see cref="ReceiveChannel{T}"/>; see <see cref="MemoryChannel.FromReader{T}(ChannelReader{T})"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="reader">The reader to receive from.</param>
    /// <returns>A receive end over <paramref name="reader"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is null.</exception>
    public static ReceiveChannel<T> AsReceiveChannel<T>(this ChannelReader<T> reader) => MemoryChannel.FromReader(reader);

    /// <summary>Wraps <paramref name="writer"/> as a <see cref="SendChannel{T}"/>; see <see cref="MemoryChannel.FromWriter{T}(ChannelWriter{T})"/>.</summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="writer">The writer to send to.</param>
    /// <returns>A send end over <paramref name="writer"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is null.</exception>
    public static SendChannel<T> AsSendChannel<T>(this ChannelWriter<T> writer) => MemoryChannel.FromWriter(writer);
}
