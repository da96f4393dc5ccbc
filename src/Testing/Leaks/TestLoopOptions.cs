namespace Structured.Testing;

/// <summary>How <see cref="TestLoop.Run(Func{Task}, TestLoopOptions)"/> runs a test: schedule, clock, and the leak check.</summary>
/// <example>
/// <code>
/// TestLoop.Run(body, new TestLoopOptions { Leaks = LeakCheck.Fail, CaptureCreationStacks = true });
/// </code>
/// </example>
public sealed class TestLoopOptions
{
    /// <summary>Which ready task runs next at each step.</summary>
    /// <value>The default is null: <see cref="Schedule.Fifo"/>.</value>
    public Schedule? Schedule { get; set; }

    /// <summary>
    /// The most task steps the run may take: past it the run ends with <see cref="StepBoundExceededException"/> (a task
    /// spinning on a yield forever, a livelock), instead of hanging the test.
    /// </summary>
    /// <value>The default is null: no bound. <c>ConcurrencyProperty.ForAll</c> sets <see cref="ExplorationOptions.MaxStepsPerRun"/>.</value>
    public int? MaxSteps { get; set; }

    /// <summary>The clock.</summary>
    /// <value>The default is null: a new <see cref="VirtualClock"/> with autojump (sleeps take no real time).</value>
    public VirtualClock? Clock { get; set; }

    /// <summary>Whether the run tracks what the test leaves behind (channel ends never closed, work left on the thread pool), and what it does about it.</summary>
    /// <value>
    /// The default is <see cref="LeakCheck.Off"/>. Opt-in because an open channel end is harmless in many tests, and the
    /// detection of <c>Task.Run</c> listens to the runtime's task events process-wide while such a run lasts.
    /// </value>
    public LeakCheck Leaks { get; set; }

    /// <summary>Whether each task, channel end and <c>Task.Run</c> of the run records the stack it was created at, for <see cref="Leak.CreationStack"/>.</summary>
    /// <value>The default is false: a stack costs microseconds per creation. Ignored when <see cref="Leaks"/> is <see cref="LeakCheck.Off"/>.</value>
    public bool CaptureCreationStacks { get; set; }
}
