namespace Structured;

/// <summary>
/// A cancel scope (Structured.Nursery's <c>CancelScope</c>) as the value of the running flow (<see cref="TaskInfo.FlowValue"/>):
/// off the loop it also names the current task, the task that entered it, so that one AsyncLocal carries both.
/// </summary>
internal interface IFlowScope
{
    /// <summary>The task that entered the scope, or null before it is entered.</summary>
    TaskInfo? FlowTask { get; }
}
