namespace Structured;

/// <summary>
/// The loop's side of a <see cref="ScheduleStrategy"/>: it asks the strategy at every choice point, and, as an
/// instrument of the loop, gives tasks their run-local ids and tells the strategy of their creation, readiness and
/// end. A FIFO schedule has no policy at all: the loop takes its fast path and never asks.
/// </summary>
internal sealed class StrategyPolicy(ScheduleStrategy strategy, string name) : IInstrument
{
    // Run-local ids (1 = main, then creation order): TaskInfo.Id is unique in the process, so it differs from run to
    // run and would make a seeded strategy that keys on it irreproducible. A dictionary, not a field of TaskInfo: a
    // task's bytes are counted (workload W1) and only exploring runs need the ids.
    readonly Dictionary<TaskInfo, int> _ids = new(ReferenceEqualityComparer.Instance);
    ReadyQueue? _ready;
    int _nextId, _choicePoint, _running, _last;
    // A choice already made for the loop's next Choose (Loop.YieldAtSpawn picks, then lets RunOne run the pick), or -1.
    int _decided = -1;

    /// <summary>Makes the next <see cref="Choose"/> return <paramref name="position"/> without asking the strategy: it was asked already.</summary>
    internal void Decided(int position) => _decided = position;

    internal int Choose(ReadyQueue ready)
    {
        if (_decided >= 0)
        {
            int decided = _decided;
            _decided = -1;
            return decided;
        }
        _ready = ready;
        int count = ready.Count;
        int position = strategy.Choose(new ReadySet(this, count, _choicePoint++, _last));
        if ((uint)position >= (uint)count)
            throw new InvalidOperationException($"The schedule strategy of '{name}' ({strategy.GetType().FullName}) chose position {position} of {count} ready callbacks; Choose must return 0 to ReadySet.Count - 1.");
        return position;
    }

    internal int TaskIdAt(int position) => IdOf(_ready!.PeekTask(position));

    int IdOf(TaskInfo? task) => task is not null && _ids.TryGetValue(task, out int id) ? id : 0;

    void IInstrument.TaskSpawned(TaskInfo task)
    {
        int id = ++_nextId;
        _ids[task] = id;
        strategy.TaskCreated(id, _running);
    }

    void IInstrument.TaskScheduled(TaskInfo task) => strategy.TaskReady(IdOf(task), _running);

    void IInstrument.BeforeTaskStep(TaskInfo task) => _running = IdOf(task);

    void IInstrument.AfterTaskStep(TaskInfo task)
    {
        _last = _running;
        _running = 0;
    }

    void IInstrument.TaskExited(TaskInfo task)
    {
        int id = IdOf(task);
        _ids.Remove(task);
        strategy.TaskCompleted(id);
    }
}
