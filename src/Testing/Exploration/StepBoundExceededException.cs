namespace Structured.Testing;

/// <summary>
/// A test loop run took more task steps than its bound (<see cref="TestLoopOptions.MaxSteps"/>,
/// <see cref="ExplorationOptions.MaxStepsPerRun"/>): a task spins on a yield forever, or tasks keep each other busy (a
/// livelock). The run was ended so that the test does not hang.
/// </summary>
public sealed class StepBoundExceededException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public StepBoundExceededException()
        : this("A test loop run took more steps than its bound.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public StepBoundExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and a cause.</summary>
    public StepBoundExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal StepBoundExceededException(int bound, string taskName)
        : base($"The run took more than {bound} task steps (the bound), and '{taskName}' was about to step again: a task spins on a yield forever, or tasks keep each other busy (a livelock). Raise the bound if the scenario is just long.")
    {
        Bound = bound;
    }

    /// <summary>The bound that was exceeded, or 0 when not made by a run.</summary>
    public int Bound { get; }
}
