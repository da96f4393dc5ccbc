namespace Structured;

/// <summary>
/// What a task that yielded asks on resuming whether something happened while it waited its turn (a cancellation, as
/// Trio's checkpoint sees it). Given when the task yields, by the flow that yields: the answer must not depend on the
/// execution context the result is read in, which for a <c>ValueTask.AsTask()</c> is not the yielding flow's.
/// </summary>
internal interface IResumeCheck
{
    /// <summary>The error the resumed task's await throws, or null to go on.</summary>
    Exception? CheckOnResume();
}
