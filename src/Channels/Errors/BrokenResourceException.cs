namespace Structured;

/// <summary>
/// Thrown by <see cref="SendChannel{T}.SendAsync"/> when every receive end of the channel is closed, so that no one
/// can ever take the item (Trio's <c>trio.BrokenResourceError</c>). Tasks blocked in <c>SendAsync</c> when the last
/// receive end closes get it too; their items were not delivered.
/// </summary>
public sealed class BrokenResourceException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public BrokenResourceException()
        : base("The channel is broken: every receive end was closed, so nothing sent can be received. Stop sending, or keep a receive end open (Clone it before closing).")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What broke.</param>
    public BrokenResourceException(string? message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    /// <param name="message">What broke.</param>
    /// <param name="innerException">The cause, or null.</param>
    public BrokenResourceException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
