namespace Structured.Testing;

/// <summary>Thrown by <see cref="NurseryAssert"/> when an error does not have the expected shape.</summary>
public sealed class NurseryAssertException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NurseryAssertException() { }

    /// <summary>Creates the exception with a message.</summary>
    public NurseryAssertException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that was checked.</summary>
    public NurseryAssertException(string message, Exception? innerException) : base(message, innerException) { }
}
