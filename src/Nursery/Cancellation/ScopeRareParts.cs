namespace Structured;

/// <summary>
/// The parts of a <see cref="CancelScope"/> that most scopes never use, in one object allocated on first use: the
/// token source (only when someone asks for <see cref="CancelScope.Token"/>), the off-loop deadline timer and the
/// tree's lock (only off the loop), the nursery link (only a nursery's scope), the <c>CancelWhen</c> registrations,
/// and what a firing deadline's token callbacks threw. Kept apart so that a scope on the loop stays small: workload
/// W4 allocates one scope per enter + exit (docs/performance.md, issue 13).
/// </summary>
internal sealed class ScopeRareParts
{
    /// <summary>The scope's token source, made when <see cref="CancelScope.Token"/> is first read.</summary>
    internal CancellationTokenSource? TokenSource;

    /// <summary>What token callbacks threw when the scope's deadline fired, for the scope's exit to propagate.</summary>
    internal Exception? CallbackError;

    /// <summary>Off the loop, the thread on which the deadline is firing (running token callbacks), or 0.</summary>
    internal int FiringThread;

    /// <summary>The registrations of <see cref="CancelScope.CancelWhen"/>, disposed at exit.</summary>
    internal CancellationTokenRegistration[]? LinkedTokens;

    /// <summary>The reason a package gave for the deadline (where it came from), used instead of "deadline ... passed".</summary>
    internal string? DeadlineReasonOverride;

    /// <summary>The nursery the scope belongs to, when it is a nursery's scope.</summary>
    internal Nursery? Nursery;
}
