using System.Diagnostics;

namespace Structured;

/// <summary>
/// What a task's instruments need from its start to its end: made only while a listener measures tasks (so a task
/// costs nothing more when nobody listens), and kept in the slot of <see cref="NurseryTask.Error"/> until the end.
/// </summary>
internal sealed class TaskTelemetry
{
    /// <summary>The start on the task's clock (<see cref="Time.NowTicksFor"/>), or <see cref="StructuredMetrics.NoTimestamp"/>.</summary>
    internal long StartTicks = StructuredMetrics.NoTimestamp;

    /// <summary>Whether the start was counted in <c>structured.task.active</c>, so that the end is too (a listener that attached meanwhile must not see it go below zero).</summary>
    internal bool CountedActive;

    /// <summary>Whether the task should get an activity at its first step (it has a given name and a listener may sample it).</summary>
    internal bool WantsActivity;

    /// <summary>The task's activity, once started, if a listener sampled it.</summary>
    internal Activity? Activity;

    /// <summary>The spawner's ExecutionContext, from the spawn to the task's first step (the task's own slot holds this object meanwhile).</summary>
    internal ExecutionContext? StartContext;
}
