namespace Structured;

/// <summary>
/// The state of one run under a schedule: at every choice point (a step of the loop with more than one ready
/// callback) it picks which ready callback runs next. Write one to explore schedules your own way, and run it
/// with <see cref="Schedule.FromStrategy(Func{ScheduleStrategy}, string?)"/>; the built-in schedules
/// (<see cref="Schedule.Random(int)"/>, <see cref="Schedule.FromChoices(IReadOnlyList{int})"/>, and the PCT,
/// POS and random-walk schedules of Structured.Testing) are strategies too.
/// </summary>
/// <remarks>
/// <para>Tasks are named by ids stable from run to run: 1 is the loop's main task, then 2, 3, ... in creation
/// order; 0 is a callback of the loop itself (a timer's or a post's, not a task's step). Given the same choices,
/// a run on a virtual clock creates its tasks in the same order, so a strategy that decides from these ids and
/// a seeded generator replays exactly.</para>
/// <para>Every method is called on the loop's thread, inside the loop: keep them short. An exception thrown
/// by one ends the run with that exception.</para>
/// </remarks>
public abstract class ScheduleStrategy
{
    /// <summary>Creates the strategy.</summary>
    protected ScheduleStrategy()
    {
    }

    /// <summary>
    /// Picks the position, from 0 to <c>ready.Count - 1</c>, of the callback to run next. Called only when more
    /// than one callback is ready; position 0 is the front of the ready queue (the FIFO choice).
    /// </summary>
    /// <param name="ready">The ready callbacks in queue order, with the id of the task of each.</param>
    /// <returns>The position to run; a position out of range ends the run with <see cref="InvalidOperationException"/>.</returns>
    public abstract int Choose(ReadySet ready);

    /// <summary>Called when a task is created (the main task, or a child spawned into a nursery).</summary>
    /// <param name="taskId">The new task's id.</param>
    /// <param name="creatorId">The id of the task whose step created it, 0 for the main task.</param>
    public virtual void TaskCreated(int taskId, int creatorId)
    {
    }

    /// <summary>
    /// Called when a task becomes ready to run: its first step is queued, something it waited on woke it, or it
    /// yielded. <paramref name="readiedBy"/> is the task whose step made it ready (itself when it yielded or made
    /// its own progress), 0 when a callback of the loop did (a timer fired, a post arrived).
    /// </summary>
    /// <param name="taskId">The task that became ready.</param>
    /// <param name="readiedBy">The task that made it ready, or 0.</param>
    public virtual void TaskReady(int taskId, int readiedBy)
    {
    }

    /// <summary>Called when a task has finished, with or without an error.</summary>
    /// <param name="taskId">The task that finished.</param>
    public virtual void TaskCompleted(int taskId)
    {
    }
}
