namespace Structured;

/// <summary>Where a task is in its life, as shown by <see cref="TaskInfo.State"/> and the task-tree dump.</summary>
public enum TaskState
{
    /// <summary>Spawned, its first step not yet run.</summary>
    Spawned,

    /// <summary>Ready to run: its next step is in the loop's ready queue.</summary>
    Runnable,

    /// <summary>Running a step right now.</summary>
    Running,

    /// <summary>Blocked on something (a sleep, an event, a channel, its children); <see cref="TaskInfo.WaitingOn"/> says what.</summary>
    Blocked,

    /// <summary>Finished, with or without an error.</summary>
    Finished,
}
