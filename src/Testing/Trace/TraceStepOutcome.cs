namespace Structured.Testing;

/// <summary>How one step of a task ended, as recorded in a <see cref="TraceStep"/>.</summary>
public enum TraceStepOutcome
{
    /// <summary>The task gave way at a schedule point (<c>Checkpoint.YieldAsync</c>, an exhausted budget) and is ready again.</summary>
    Yielded,

    /// <summary>The task blocked; <see cref="TraceStep.WaitingOn"/> says on what (null: something outside Structured, such as a foreign <see cref="Task"/>).</summary>
    Blocked,

    /// <summary>The task's function returned.</summary>
    Finished,

    /// <summary>The task's function threw; <see cref="TraceStep.Error"/> holds the exception.</summary>
    Failed,
}
