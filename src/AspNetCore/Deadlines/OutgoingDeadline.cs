using System.Globalization;

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
    /// Ends the calling flow as its deadline would, before the deadline: the scope that owns the effective deadline is
    /// cancelled as by its deadline (<c>FailAfter</c> throws <see cref="TimeoutException"/>, <c>MoveOnAfter</c> moves on, a
    /// request's scope answers 504), with its deadline's reason followed by <paramref name="what"/> (the hop that ran
    /// out of time); then throws that scope's <see cref="Cancelled"/>. For a call whose remaining time could not cover it:
    /// one not sent (no more than the margin left), or one whose receiver answered that the deadline it was sent passed.
    /// </summary>
    /// <param name="what">The hop, such as "downstream: GET http://stock/x answered 504 ...".</param>
    /// <exception cref="Cancelled">Always: the flow's scope, cancelled by this call (or already cancelled).</exception>
    internal static async ValueTask EndAsDeadlineAsync(string what)
    {
        Checkpoint.ThrowIfCancelled();
        if (CancelScope.CurrentDeadlineOwner is { } owner && owner.Deadline is var deadline && deadline != TimeSpan.MaxValue)
        {
            string reason = owner.DeadlineReason(deadline.Ticks, Time.Now.Ticks) + " " + what;
            owner.RequestCancel(reason, byDeadline: true);
        }
        // The cancellation reaches this flow at once off the loop, and as the loop runs it from another thread: a
        // checkpoint that waits throws it.
        await Time.SleepForeverAsync();
    }

    /// <summary>
    /// Whether a call with <paramref name="remaining"/> left before the deadline is not made: a margin is kept back for
    /// the answer and no more than it remains (the HTTP handler and the gRPC interceptor alike).
    /// </summary>
    internal static bool NoTimeLeft(TimeSpan remaining, TimeSpan margin) => margin > TimeSpan.Zero && remaining <= margin;

    /// <summary>
    /// A call not made for <see cref="NoTimeLeft"/>: ends the calling flow as its deadline would (see
    /// <see cref="EndAsDeadlineAsync"/>), with a reason that names the call.
    /// </summary>
    /// <param name="before">What was not done, such as "before GET http://stock/x was sent".</param>
    /// <param name="remaining">The time that remained.</param>
    /// <param name="margin">The margin kept back for the answer.</param>
    /// <exception cref="Cancelled">Always: the flow's scope, cancelled by this call (or already cancelled).</exception>
    internal static ValueTask NotSentAsync(string before, TimeSpan remaining, TimeSpan margin)
        => EndAsDeadlineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{before}: {remaining.TotalMilliseconds:0.###} ms remained, no more than the margin of {margin.TotalMilliseconds:0.###} ms kept back for the answer"));

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
