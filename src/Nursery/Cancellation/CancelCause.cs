namespace Structured;

/// <summary>Why a cancel scope was cancelled, as the bounded <c>structured.cancel.cause</c> tag of the metrics says it.</summary>
internal enum CancelCause
{
    /// <summary><see cref="CancelScope.Cancel(string?)"/> was called.</summary>
    Explicit,

    /// <summary>The scope's deadline passed.</summary>
    Deadline,

    /// <summary>A child or the body of the scope's nursery failed.</summary>
    SiblingError,

    /// <summary>An enclosing scope's cancellation reached this active scope (or an enclosing scope exited, abandoning it).</summary>
    Outer,

    /// <summary>A <see cref="CancellationToken"/> linked with <see cref="CancelScope.CancelWhen"/> (or given to <c>Nursery.RunAsync</c>) was cancelled.</summary>
    Token,
}
