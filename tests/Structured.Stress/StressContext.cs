namespace Stress;

/// <summary>
/// Handed to a scenario: its knobs, its figures, a seeded random source, and a way to say what it is doing, so that
/// the watchdog can print where a hung scenario is (the phase and, on the loop, the task tree).
/// </summary>
internal sealed class StressContext(StressMode mode, Figures figures, int seed)
{
    volatile string _phase = "starting";
    volatile Func<string>? _describe;

    internal StressMode Mode => mode;

    internal Figures Figures => figures;

    /// <summary>The seed of this scenario (derived from the run's seed and the scenario's name).</summary>
    internal int Seed => seed;

    internal string Phase => _phase;

    /// <summary>Names the current step of the scenario (a capacity, a tree number), printed if it hangs.</summary>
    internal void Enter(string phase) => _phase = phase;

    /// <summary>Sets what the watchdog prints about live work, for instance a loop's task tree.</summary>
    internal void Describe(Func<string>? describe) => _describe = describe;

    internal string DescribeLive()
    {
        try
        {
            var text = _describe?.Invoke() ?? "(no task tree available)";
            // A tree of thousands of tasks would bury the report: its first 40 lines say enough.
            var lines = text.Split('\n');
            return lines.Length <= 40 ? text : string.Join('\n', lines.Take(40)) + $"\n... ({lines.Length - 40} more lines)";
        }
        catch (Exception e)
        {
            return $"(the task tree could not be read: {e.GetType().Name}: {e.Message})";
        }
    }
}
