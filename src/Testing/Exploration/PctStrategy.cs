namespace Structured.Testing;

/// <summary>
/// Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010): every task gets a
/// random priority when it is created, the highest-priority ready task always runs, and at <c>depth - 1</c> choice
/// points picked at random among the first <c>steps</c> the task about to run drops below every initial priority.
/// A bug of depth d among n tasks and k choice points is found with probability at least 1/(n k^(d-1)) per run.
/// </summary>
/// <remarks>
/// Strict priorities can starve: a high-priority task that spins on <c>Checkpoint.YieldAsync</c> waiting for a
/// low-priority one would never let it run. Past <c>fairAfter</c> choice points the strategy picks at random, which
/// every such run survives (as Coyote's "fair" PCT does).
/// </remarks>
internal sealed class PctStrategy : ScheduleStrategy
{
#pragma warning disable CA5394 // Reproducible exploration, not security: a seeded generator is the point.
    readonly Random _random;
    PriorityTable _priority = new(16);
    readonly int[] _changePoints;
    readonly int _depth, _fairAfter;
    readonly bool _spawnIsChoicePoint;
    int _nextChange, _spawner;

    internal PctStrategy(int seed, int depth, int steps, bool spawnIsChoicePoint = true)
    {
        _spawnIsChoicePoint = spawnIsChoicePoint;
        _random = new Random(seed);
        _depth = depth;
        _fairAfter = Math.Max(1000, 10 * steps);
        // depth - 1 distinct choice points among the first `steps` (fewer when there are not that many), ascending.
        int wanted = Math.Min(depth - 1, Math.Max(steps, 1));
        var points = new int[wanted];
        for (int count = 0; count < wanted;)
        {
            int point = _random.Next(Math.Max(steps, 1));
            if (Array.IndexOf(points, point, 0, count) < 0)
                points[count++] = point;
        }
        Array.Sort(points);
        _changePoints = points;
    }

    public override void TaskCreated(int taskId, int creatorId)
    {
        _priority.Set(taskId, _depth + _random.NextDouble());
        _spawner = creatorId;
    }

    public override void TaskCompleted(int taskId) => _priority.Remove(taskId);

    public override int Choose(ReadySet ready)
    {
        int point = ready.ChoicePoint;
        // Spawning not a choice point: a task whose last step spawned (and then yielded) goes on, as if it had not yielded.
        int spawner = _spawner;
        _spawner = 0;
        if (!_spawnIsChoicePoint && spawner != 0 && ready.LastTaskId == spawner && ready.IndexOf(spawner) is >= 0 and int own)
            return own;
        if (point >= _fairAfter)
            return _random.Next(ready.Count);
        int best = Highest(ready);
        while (_nextChange < _changePoints.Length && _changePoints[_nextChange] <= point)
        {
            // The i-th change point gives priority i: below every initial priority (depth and up), above earlier ones.
            _priority.Set(ready[best], _nextChange);
            _nextChange++;
            best = Highest(ready);
        }
        return best;
    }

    int Highest(ReadySet ready)
    {
        int best = 0;
        double top = double.MinValue;
        for (int i = 0; i < ready.Count; i++)
        {
            double p = PriorityOf(ready[i]);
            if (p > top)
            {
                top = p;
                best = i;
            }
        }
        return best;
    }

    double PriorityOf(int taskId)
    {
        // A callback of the loop (id 0) or a task created before the strategy saw it gets a priority on first sight.
        if (!_priority.TryGet(taskId, out double p))
            _priority.Set(taskId, p = _depth + _random.NextDouble());
        return p;
    }
#pragma warning restore CA5394
}
