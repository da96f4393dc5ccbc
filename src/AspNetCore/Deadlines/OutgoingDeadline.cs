namespace Structured;

/// <summary>
/// The effective deadline of the calling flow, for a call that leaves the process: how much of it remains, and the
/// scope's own cancellation when none does.
/// </summary>
internal static class OutgoingDeadline
{
    /// <summary>
    /// The time left before the calling flow's effective deadline (<see cref="CancelScope.CurrentEffectiveDeadline"/>,
    /// on the caller's clock), or null when it has none. When it has passed, or the flow is cancelled, this throws the
    /// scope's <see cref="Cancelled"/> (with the scope's reason) instead: a call that could only fail is never made.
    /// </summary>
    /// <exception cref="Cancelled">The calling flow is cancelled, or its deadline has passed.</exception>
    internal static async ValueTask<TimeSpan?> RemainingAsync()
    {
        while (true)
        {
            var deadline = CancelScope.CurrentEffectiveDeadline;
            if (deadline == TimeSpan.MaxValue)
                return null;
            if (deadline != TimeSpan.MinValue && deadline > Time.Now)
                return deadline - Time.Now is var left && left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1);
            await ThrowIfScopeEndedAsync();
            // The deadline moved away meanwhile (set again from another thread): read it again.
        }
    }

    /// <summary>
    /// Throws the calling flow's <see cref="Cancelled"/> when it is cancelled, or when its effective deadline has
    /// passed (waiting the moment until the scope's deadline timer fires, so that the reason is the scope's own);
    /// returns when neither holds.
    /// </summary>
    /// <exception cref="Cancelled">The calling flow is cancelled, or its deadline has passed.</exception>
    internal static async ValueTask ThrowIfScopeEndedAsync()
    {
        Checkpoint.ThrowIfCancelled();
        var deadline = CancelScope.CurrentEffectiveDeadline;
        if (deadline == TimeSpan.MinValue)
        {
            // Cancelled meanwhile.
            Checkpoint.ThrowIfCancelled();
        }
        else if (deadline != TimeSpan.MaxValue && deadline <= Time.Now)
        {
            // The deadline has passed, its timer is due: a checkpoint that waits throws the scope's Cancelled as it fires.
            await Time.SleepForeverAsync();
        }
    }
}
