namespace Structured;

/// <summary>
/// What a cancellation still has to do once the scope gate is left: the token sources to cancel, then the parked
/// tasks to wake (each with the park's version, so a task that moved on is not woken by mistake).
/// </summary>
/// <remarks>
/// On the loop the parked tasks are not copied: the scopes are (one entry per cancelled scope, not per parked task),
/// and their parked lists are walked when the tasks are woken. Nothing can change those lists in between: a task
/// leaves its scope's list only when it resumes, which on the loop happens after this cancellation returns, and a
/// task that parks in a scope that is cancelled already is woken at once instead of listed (RegisterParked).
/// </remarks>
internal sealed class PendingCancellation
{
    internal readonly List<CancellationTokenSource> Tokens = [];

    /// <summary>Off the loop: each parked task to wake, with its park's version and its error (a snapshot: tasks resume meanwhile on other threads).</summary>
    internal readonly List<(Parker Parker, short Version, Exception Error)> Wakes = [];

    /// <summary>On the loop: the scopes whose parked tasks to wake, with the scope whose cancellation reaches them.</summary>
    internal readonly List<(CancelScope Scope, CancelScope Canceller)> WakeScopes = [];
}
