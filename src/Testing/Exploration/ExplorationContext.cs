namespace Structured.Testing;

/// <summary>Where an exploration stands when it asks an <see cref="ExplorationStrategy"/> for its next schedule.</summary>
public sealed class ExplorationContext
{
    internal ExplorationContext()
    {
    }

    /// <summary>The number of the run about to start, from 1.</summary>
    public int Run { get; internal set; }

    /// <summary>A seed drawn for this run from the exploration's seed: build a seeded schedule from it to stay reproducible.</summary>
    public int Seed { get; internal set; }

    /// <summary>The most choice points one run has had so far (0 before the first run): PCT's estimate of a run's length.</summary>
    public int MaxChoicePoints { get; internal set; }

    /// <summary>The most tasks one run has created so far, the main task included (0 before the first run).</summary>
    public int MaxTasks { get; internal set; }
}
