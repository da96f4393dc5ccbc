namespace Structured;

/// <summary>
/// The ready callbacks at a choice point, in queue order (position 0 is the front, the FIFO choice), as a
/// <see cref="ScheduleStrategy"/> sees them: the task id of each and where the run is. Valid only during the
/// <see cref="ScheduleStrategy.Choose(ReadySet)"/> call it is passed to.
/// </summary>
public readonly struct ReadySet
{
    readonly StrategyPolicy _owner;

    internal ReadySet(StrategyPolicy owner, int count, int choicePoint, int lastTaskId)
    {
        _owner = owner;
        Count = count;
        ChoicePoint = choicePoint;
        LastTaskId = lastTaskId;
    }

    /// <summary>How many callbacks are ready (at least 2).</summary>
    public int Count { get; }

    /// <summary>Which choice point of the run this is: 0 for the first, then 1, 2, ...</summary>
    public int ChoicePoint { get; }

    /// <summary>The id of the task whose step ran last (callbacks of the loop itself do not count), or 0 before the first step.</summary>
    public int LastTaskId { get; }

    /// <summary>The id of the task of the callback at <paramref name="position"/> (0 for a callback of the loop itself).</summary>
    /// <param name="position">From 0 to <see cref="Count"/> - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is out of range.</exception>
    public int this[int position]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(position);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(position, Count);
            return _owner.TaskIdAt(position);
        }
    }

    /// <summary>The position of the first callback of task <paramref name="taskId"/>, or -1 when none is ready.</summary>
    /// <param name="taskId">A task id, as <see cref="this[int]"/> gives them.</param>
    public int IndexOf(int taskId)
    {
        for (int i = 0; i < Count; i++)
        {
            if (_owner.TaskIdAt(i) == taskId)
                return i;
        }
        return -1;
    }
}
