namespace Structured;

/// <summary>
/// The parts of a <see cref="Parker"/> that most parks never use, in one object made on first use and kept for the
/// parker's life: the registration of an explicit <see cref="CancellationToken"/> (only waits given a token) and the
/// execution context of an awaiter that asked for it to flow (async methods never do). Kept apart so that a parked
/// task stays small: 1,000,000 parked tasks hold 1,000,000 parkers (docs/performance.md, issue 13).
/// </summary>
/// <remarks>
/// Thread-safety: written only by the flow that rented the parker (while parking, in
/// <c>IValueTaskSource.OnCompleted</c>, and when the park's result is read); a waker on another thread reads
/// <see cref="ExecutionContext"/> only after taking the continuation slot, which that flow wrote after it. The parker
/// publishes the object with a compare-and-swap all the same, so no thread can see it half made.
/// </remarks>
internal sealed class ParkerRareParts
{
    /// <summary>An explicit CancellationToken's registration for this wait, undone when the task resumes.</summary>
    internal CancellationTokenRegistration TokenRegistration;

    /// <summary>The execution context the continuation runs in, when the awaiter asked for it to flow; else null.</summary>
    internal ExecutionContext? ExecutionContext;
}
