using System.Globalization;
using System.Text;

namespace Structured.Testing;

/// <summary>What an exploration did: returned by <see cref="ConcurrencyProperty.ForAll(Func{Task}, ExplorationOptions)"/> when every schedule passed, and carried by its failure.</summary>
public sealed class ExplorationSummary
{
    internal ExplorationSummary()
    {
    }

    /// <summary>The seed of the exploration.</summary>
    public int Seed { get; internal set; }

    /// <summary>The strategy's name (<see cref="ExplorationStrategy.Name"/>).</summary>
    public string Strategy { get; internal set; } = "";

    /// <summary>How many schedules ran (shrinking not counted).</summary>
    public int Schedules { get; internal set; }

    /// <summary>How many of them ran a distinct interleaving (a different sequence of task steps).</summary>
    public int DistinctInterleavings { get; internal set; }

    /// <summary>Choice points (steps with more than one ready callback) over all runs.</summary>
    public long ChoicePoints { get; internal set; }

    /// <summary>The most choice points of one run.</summary>
    public int MaxChoicePointsPerRun { get; internal set; }

    /// <summary>Ordered pairs of distinct task names (a, b) such that some run ran a step of b right after a step of a.</summary>
    public int TaskPairsCovered { get; internal set; }

    /// <summary>All ordered pairs of distinct task names seen, n (n - 1) for n names: the denominator of <see cref="TaskPairsCovered"/>.</summary>
    public int TaskPairs { get; internal set; }

    /// <summary>How long the exploration took, on the options' clock (shrinking not counted).</summary>
    public TimeSpan Elapsed { get; internal set; }

    /// <summary>Why it stopped: "count budget", "time budget", "search exhausted" or "failure".</summary>
    public string StoppedBy { get; internal set; } = "";

    /// <summary>How many schedules each strategy ran (a portfolio's members by name).</summary>
    public IReadOnlyDictionary<string, int> SchedulesByStrategy { get; internal set; } = new Dictionary<string, int>();

    /// <summary>One line: schedules, distinct interleavings, choice points, task-pair coverage, time, why it stopped, strategies and seed.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Schedules} schedules ({DistinctInterleavings} distinct interleavings), {ChoicePoints} choice points (at most {MaxChoicePointsPerRun} per run), ")
            .Append(CultureInfo.InvariantCulture, $"{TaskPairsCovered} of {TaskPairs} ordered task pairs seen adjacent, in {Elapsed.TotalSeconds:0.###} s; stopped by: {StoppedBy}; ")
            .Append(CultureInfo.InvariantCulture, $"strategy {Strategy} (")
            .Append(string.Join(", ", SchedulesByStrategy.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value}"))))
            .Append(CultureInfo.InvariantCulture, $"); seed {Seed}");
        return text.ToString();
    }
}
