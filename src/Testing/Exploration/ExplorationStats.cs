namespace Structured.Testing;

/// <summary>Counts what an exploration's runs covered, for its <see cref="ExplorationSummary"/>.</summary>
internal sealed class ExplorationStats
{
    readonly HashSet<ulong> _interleavings = [];
    readonly HashSet<string> _names = new(StringComparer.Ordinal);
    readonly HashSet<(string, string)> _pairs = [];
    readonly Dictionary<string, int> _byStrategy = new(StringComparer.Ordinal);
    int _schedules, _maxChoicePoints, _maxTasks;
    long _choicePoints;

    internal int MaxChoicePoints => _maxChoicePoints;

    internal int MaxTasks => _maxTasks;

    internal void Add(RunTrace trace, string strategy)
    {
        _schedules++;
        _byStrategy[strategy] = _byStrategy.GetValueOrDefault(strategy) + 1;
        _choicePoints += trace.Choices.Count;
        _maxChoicePoints = Math.Max(_maxChoicePoints, trace.Choices.Count);
        // The interleaving: the sequence of steps, each task named by the order it first ran in (ids differ run to run).
        var ordinals = new Dictionary<long, int>();
        ulong hash = 14695981039346656037UL;
        string? previous = null;
        foreach (var step in trace)
        {
            if (!ordinals.TryGetValue(step.TaskId, out int ordinal))
                ordinals[step.TaskId] = ordinal = ordinals.Count;
            hash = (hash ^ (ulong)ordinal) * 1099511628211UL;
            _names.Add(step.TaskName);
            if (previous is not null && !string.Equals(previous, step.TaskName, StringComparison.Ordinal))
                _pairs.Add((previous, step.TaskName));
            previous = step.TaskName;
        }
        _maxTasks = Math.Max(_maxTasks, ordinals.Count);
        _interleavings.Add(hash);
    }

    internal ExplorationSummary Summary(int seed, string strategy, TimeSpan elapsed, string stoppedBy) => new()
    {
        Seed = seed,
        Strategy = strategy,
        Schedules = _schedules,
        DistinctInterleavings = _interleavings.Count,
        ChoicePoints = _choicePoints,
        MaxChoicePointsPerRun = _maxChoicePoints,
        TaskPairsCovered = _pairs.Count,
        TaskPairs = _names.Count * (_names.Count - 1),
        Elapsed = elapsed,
        StoppedBy = stoppedBy,
        SchedulesByStrategy = new Dictionary<string, int>(_byStrategy, StringComparer.Ordinal),
    };
}
