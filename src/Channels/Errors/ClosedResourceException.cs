namespace Structured;

/// <summary>
/// Thrown when code uses a channel end (send, receive, clone, try-send, try-receive) after that very end was
/// closed, including a task that was blocked on the end when it was closed (Trio's <c>trio.ClosedResourceError</c>).
/// </summary>
/// <remarks>Closing one clone does not close the others: use another clone, or clone before closing.</remarks>
public sealed class ClosedResourceException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public ClosedResourceException()
        : base("This channel end was closed. Use another clone of it (Clone() before Close()) or stop using it.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Which object was closed and what to do instead.</param>
    public ClosedResourceException(string? message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    /// <param name="message">Which object was closed and what to do instead.</param>
    /// <param name="innerException">The cause, or null.</param>
    public ClosedResourceException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
