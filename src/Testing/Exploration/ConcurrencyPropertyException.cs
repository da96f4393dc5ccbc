namespace Structured.Testing;

/// <summary>
/// Thrown by <see cref="ConcurrencyProperty.ForAll(Func{Task}, int, int?, int, int)"/> when the body failed under some schedule. The message
/// holds the replay line of the smallest failing schedule found (<c>Schedule.FromChoices(new[] { ... })</c>),
/// the body's error and the last steps of the failing run; <see cref="Exception.InnerException"/> is the
/// body's error itself.
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

    internal ConcurrencyPropertyException(string message, Exception error, IReadOnlyList<int> choices, RunTrace trace, int seed, int failingRun, int shrinks)
        : base(message, error)
    {
        Choices = choices;
        Schedule = Schedule.FromChoices(choices);
        Trace = trace;
        Seed = seed;
        FailingRun = failingRun;
        Shrinks = shrinks;
    }

    /// <summary>The smallest failing schedule found: replay it with <c>TestLoop.Run(body, exception.Schedule)</c>.</summary>
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
}
