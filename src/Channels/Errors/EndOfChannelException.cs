namespace Structured;

/// <summary>
/// Thrown by <see cref="ReceiveChannel{T}.ReceiveAsync"/> when every send end of the channel is closed and its
/// buffer is drained: no item will ever come (Trio's <c>trio.EndOfChannel</c>).
/// </summary>
/// <remarks>
/// This is the normal end of a stream, not a failure: <c>await foreach</c> over a <see cref="ReceiveChannel{T}"/>
/// ends without it. When the senders completed the channel with an error (through
/// <see cref="System.Threading.Channels.ChannelWriter{T}.TryComplete(Exception?)"/> on a writer view, or a wrapped
/// <see cref="System.Threading.Channels.ChannelReader{T}"/> that completed with an error), that error is the
/// <see cref="Exception.InnerException"/>, and <c>await foreach</c> throws this exception instead of ending quietly.
/// </remarks>
public sealed class EndOfChannelException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public EndOfChannelException()
        : base("The channel has ended: every send end was closed and the buffer is drained. Stop receiving (await foreach ends here by itself).")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What ended.</param>
    public EndOfChannelException(string? message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error the senders completed the channel with.</summary>
    /// <param name="message">What ended.</param>
    /// <param name="innerException">The error the senders completed the channel with, or null.</param>
    public EndOfChannelException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
