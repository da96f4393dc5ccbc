namespace Structured.Testing;

/// <summary>
/// A randomized partial-order sampling strategy after POS (Yuan, Yang, Gu, CAV 2018): every event (a task's next
/// step) gets a random priority when it becomes ready, and the highest-priority ready event runs; after each step,
/// the events that race with it get fresh priorities, so that which of two racing events goes first is a fair coin
/// whatever else is ready.
/// </summary>
/// <remarks>
/// The loop does not see which memory or which primitive a step touches, so the race set is approximated by the
/// wake relation: a task made ready by a step (woken by the lock it released, the channel it sent on, the event it
/// set) raced with that step and gets a fresh priority, as does the task that ran (its next step is a new event); a
/// task that stays ready keeps its priority. Events that race on plain shared memory are not told apart.
/// </remarks>
internal sealed class PosStrategy(int seed) : ScheduleStrategy
{
#pragma warning disable CA5394 // Reproducible exploration, not security: a seeded generator is the point.
    readonly Random _random = new(seed);
    PriorityTable _priority = new(16);

    public override void TaskReady(int taskId, int readiedBy) => _priority.Set(taskId, _random.NextDouble());

    public override void TaskCompleted(int taskId) => _priority.Remove(taskId);

    public override int Choose(ReadySet ready)
    {
        int best = 0;
        double top = double.MinValue;
        for (int i = 0; i < ready.Count; i++)
        {
            int id = ready[i];
            if (!_priority.TryGet(id, out double p))
                _priority.Set(id, p = _random.NextDouble());
            if (p > top)
            {
                top = p;
                best = i;
            }
        }
        return best;
    }
#pragma warning restore CA5394
}
