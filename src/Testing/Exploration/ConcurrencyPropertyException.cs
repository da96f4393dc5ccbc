namespace Structured.Testing;

/// <summary>
/// Thrown by <c>ConcurrencyProperty.ForAll</c> when the body failed under some schedule. The message holds the
/// replay line of the shrunk failing schedule (<c>Schedule.FromChoices(new[] { ... })</c>), the error, the first
/// failing schedule as found and the last steps of the failing run; <see cref="Exception.InnerException"/> is the
/// error itself: the failing child's own exception when a nursery wrapped a single one in its
/// <see cref="AggregateException"/>.
/// </summary>
public sealed class ConcurrencyPropertyException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public ConcurrencyPropertyException()
        : this("A concurrency property failed.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public ConcurrencyPropertyException(string message)
        : base(message)
    {
        Schedule = Schedule.Fifo;
        Choices = [];
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the body's error.</summary>
    public ConcurrencyPropertyException(string message, Exception innerException)
        : base(message, innerException)
    {
        Schedule = Schedule.Fifo;
        Choices = [];
    }

    internal ConcurrencyPropertyException(string message, Exception error, IReadOnlyList<int> choices, RunTrace trace, int failingRun, int shrinks,
        IReadOnlyList<int> firstChoices, string failingStrategy, ExplorationSummary summary, bool locallyMinimal, int shrinkRuns)
        : base(message, error)
    {
        Choices = choices;
        Schedule = Schedule.FromChoices(choices);
        Trace = trace;
        Seed = summary.Seed;
        FailingRun = failingRun;
        Shrinks = shrinks;
        FirstFailingChoices = firstChoices;
        FailingStrategy = failingStrategy;
        Summary = summary;
        IsLocallyMinimal = locallyMinimal;
        ShrinkRuns = shrinkRuns;
    }

    /// <summary>
    /// The shrunk failing schedule: replay it with <c>TestLoop.Run(body, exception.Schedule)</c>, or, when the exploration
    /// set <see cref="ExplorationOptions.YieldAtSpawn"/> or <see cref="ExplorationOptions.YieldAtEveryOperation"/>, with a
    /// <see cref="TestLoopOptions"/> that sets them too (the replay line of the message does).
    /// </summary>
    public Schedule Schedule { get; }

    /// <summary>The choices of <see cref="Schedule"/> (the argument of <see cref="Schedule.FromChoices"/>).</summary>
    public IReadOnlyList<int> Choices { get; }

    /// <summary>The trace of the body's run under <see cref="Schedule"/>, or null when the exception was not made by <see cref="ConcurrencyProperty"/>.</summary>
    public RunTrace? Trace { get; }

    /// <summary>The seed of the exploration: pass it as <c>seed</c> to explore the same schedules again.</summary>
    public int Seed { get; }

    /// <summary>Which run of the exploration failed first, from 1.</summary>
    public int FailingRun { get; }

    /// <summary>How many times the failing schedule was shrunk to a smaller one that still fails.</summary>
    public int Shrinks { get; }

    /// <summary>How many runs shrinking spent.</summary>
    public int ShrinkRuns { get; }

    /// <summary>
    /// Whether <see cref="Choices"/> is a local minimum: shrinking ended because none of its candidate shrinks (a chunk
    /// removed, FIFO steps before a departure removed, one choice made FIFO or smaller) still failed, not because its
    /// budget ran out. A local minimum, not the smallest failing schedule: another, unrelated one may be smaller.
    /// </summary>
    public bool IsLocallyMinimal { get; }

    /// <summary>The choices of the first failing run, as the exploration found it (before shrinking); empty when not made by <c>ForAll</c>.</summary>
    public IReadOnlyList<int> FirstFailingChoices { get; } = [];

    /// <summary>The strategy whose schedule failed first (a portfolio's member), such as <c>pct(depth 3)</c>; empty when not made by <c>ForAll</c>.</summary>
    public string FailingStrategy { get; } = "";

    /// <summary>What the exploration did up to the failure; null when not made by <c>ForAll</c>.</summary>
    public ExplorationSummary? Summary { get; }
}
