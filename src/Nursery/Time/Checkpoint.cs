namespace Structured;

/// <summary>
/// Checkpoints: the points where cancellation is delivered and other tasks get to run
/// (Trio's <c>trio.lowlevel.checkpoint</c> and <c>checkpoint_if_cancelled</c>).
/// </summary>
public static class Checkpoint
{
    /// <summary>
    /// Throws <see cref="Cancelled"/> if the code here is cancelled; otherwise lets every other ready task
    /// run before this one continues. Always both a cancel point and a schedule point.
    /// </summary>
    /// <exception cref="Cancelled">The code is cancelled.</exception>
    public static ValueTask YieldAsync() => YieldAsync(default);

    /// <summary>
    /// <see cref="YieldAsync()"/> that also throws <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> is cancelled (a token from outside, as for any .NET API).
    /// </summary>
    /// <param name="cancellationToken">A token from outside, checked before yielding.</param>
    /// <exception cref="Cancelled">The code is cancelled by its scope.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static ValueTask YieldAsync(CancellationToken cancellationToken)
    {
        var task = Blocking.CurrentTask();
        // The scope is read here, in the yielding flow, and asked again on resuming: read then, it would be the scope
        // of whatever execution context reads the result (a ValueTask.AsTask() reads it in none: the task's root scope).
        var scope = Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        task.BudgetUsed = 0;
        return task.RentParker().Yield(scope);
    }

    /// <summary>Throws <see cref="Cancelled"/> if the code here is cancelled; never yields.</summary>
    /// <exception cref="Cancelled">The code is cancelled.</exception>
    public static void ThrowIfCancelled()
    {
        if (CancelScope.Current?.CancellationHere() is { } cancelled)
            throw cancelled;
    }
}
