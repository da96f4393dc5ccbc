namespace Structured;

/// <summary>
/// What a cancellation still has to do once the scope gate is left: the token sources to cancel, then the parked
/// tasks to wake (each with the park's version, so a task that moved on is not woken by mistake).
/// </summary>
internal sealed class PendingCancellation
{
    internal readonly List<CancellationTokenSource> Tokens = [];

    internal readonly List<(Parker Parker, short Version, Exception Error)> Wakes = [];
}
