namespace Structured.Testing;

/// <summary>
/// Random walks biased towards preemption: at every choice point where the task that ran last is still ready, another
/// ready callback (picked uniformly) runs with probability <c>switchProbability</c>, the same task with the rest; when
/// it is not ready (it blocked or ended), a uniform pick. Atomicity violations, lost updates and lock-order deadlocks
/// need one task's critical section to overlap another's: a uniform walk among two tasks overlaps them about half the
/// time, a walk that switches at almost every step nearly always does.
/// </summary>
/// <remarks>
/// The step after a spawn-and-yield is not a switch point when <c>spawnIsChoicePoint</c> is false (the default of the
/// portfolio): the spawner goes on, so that every child exists before the walk starts switching among them, as if the
/// children were spawned in a plain loop. A switch probability below 1 keeps the walk fair: a task spinning on a yield
/// cannot starve the one it waits for.
/// </remarks>
internal sealed class SwitchingStrategy(int seed, double switchProbability, bool spawnIsChoicePoint) : ScheduleStrategy
{
#pragma warning disable CA5394 // Reproducible exploration, not security: a seeded generator is the point.
    readonly Random _random = new(seed);
    int _spawner;

    public override void TaskCreated(int taskId, int creatorId) => _spawner = creatorId;

    public override int Choose(ReadySet ready)
    {
        int spawner = _spawner;
        _spawner = 0;
        int last = ready.LastTaskId;
        int own = last == 0 ? -1 : PositionOf(ready, last);
        if (own < 0)
            return _random.Next(ready.Count);
        if ((!spawnIsChoicePoint && spawner == last) || _random.NextDouble() >= switchProbability)
            return own;
        int other = _random.Next(ready.Count - 1);
        return other >= own ? other + 1 : other;
    }

    // A task that yielded queued itself at the back: search from there, or every choice point costs the ready count.
    static int PositionOf(ReadySet ready, int taskId)
    {
        for (int i = ready.Count - 1; i >= 0; i--)
        {
            if (ready[i] == taskId)
                return i;
        }
        return -1;
    }
#pragma warning restore CA5394
}
