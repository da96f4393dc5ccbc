namespace Structured.Testing;

/// <summary>
/// How <see cref="ConcurrencyProperty.ForAll(Func{Task}, ExplorationOptions)"/> explores: its budgets, its strategy and
/// its seed, and how long shrinking a failure may take.
/// </summary>
/// <example>
/// <code>
/// var summary = ConcurrencyProperty.ForAll(body, new ExplorationOptions
/// {
///     MaxSchedules = 10_000,
///     TimeBudget = TimeSpan.FromSeconds(5),
///     Strategy = ExplorationStrategy.Pct(depth: 2),
///     Seed = 42,
/// });
/// output.WriteLine(summary.ToString());  // schedules, distinct interleavings, choice points, task-pair coverage
/// </code>
/// </example>
public sealed class ExplorationOptions
{
    /// <summary>The count budget: the most schedules to run.</summary>
    /// <value>The default is <see cref="ConcurrencyProperty.DefaultRuns"/> (100). At least 1.</value>
    public int MaxSchedules { get; set; } = ConcurrencyProperty.DefaultRuns;

    /// <summary>The time budget: no new schedule starts once this much time passed on <see cref="TimeProvider"/> (the first always runs).</summary>
    /// <value>The default is null: no time budget, only the count. Not negative.</value>
    public TimeSpan? TimeBudget { get; set; }

    /// <summary>Which schedules to run.</summary>
    /// <value>The default is null: a new <see cref="ExplorationStrategy.Default"/> portfolio. An instance serves one exploration.</value>
    public ExplorationStrategy? Strategy { get; set; }

    /// <summary>The seed of the exploration: the same seed tries the same schedules.</summary>
    /// <value>The default is null: a new seed each call, reported in the summary and on failure; fix one in CI.</value>
    public int? Seed { get; set; }

    /// <summary>The most runs shrinking a failure may spend.</summary>
    /// <value>The default is <see cref="ConcurrencyProperty.DefaultMaxShrinkRuns"/> (1,000); 0 reports the failing schedule as found.</value>
    public int MaxShrinkRuns { get; set; } = ConcurrencyProperty.DefaultMaxShrinkRuns;

    /// <summary>How long shrinking may take, on <see cref="TimeProvider"/>.</summary>
    /// <value>The default is null: only <see cref="MaxShrinkRuns"/> bounds it.</value>
    public TimeSpan? ShrinkTimeBudget { get; set; }

    /// <summary>The most task steps one run may take (<see cref="TestLoopOptions.MaxSteps"/>): a run past it ends with <see cref="StepBoundExceededException"/>.</summary>
    /// <value>The default is 100,000. At least 1.</value>
    public int MaxStepsPerRun { get; set; } = 100_000;

    /// <summary>Whether a run that exceeds <see cref="MaxStepsPerRun"/> (a spin or a livelock) fails the property.</summary>
    /// <value>The default is true: a test that can hang is a bug. False counts such a run as passed (Coyote's default for its step bound).</value>
    public bool StepBoundIsFailure { get; set; } = true;

    /// <summary>
    /// Whether every spawn is a choice point in every run (<see cref="TestLoopOptions.YieldAtSpawn"/>): the spawner may be
    /// preempted right after <c>StartSoon</c>, as a thread after <c>pthread_create</c>.
    /// </summary>
    /// <value>The default is false. The replay line of a failure found with it sets it too.</value>
    public bool YieldAtSpawn { get; set; }

    /// <summary>
    /// Whether every library operation that completes without blocking is a choice point in every run
    /// (<see cref="TestLoopOptions.YieldAtEveryOperation"/>): an uncontended lock, a send with room, a wait on a set event.
    /// </summary>
    /// <value>The default is false. The replay line of a failure found with it sets it too.</value>
    public bool YieldAtEveryOperation { get; set; }

    /// <summary>The clock the time budgets are measured on.</summary>
    /// <value>The default is <see cref="System.TimeProvider.System"/> (real time); a test of the budgets can pass a fake one.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The options of one run of the exploration under <paramref name="schedule"/>.</summary>
    internal TestLoopOptions RunOptions(Schedule schedule) => new()
    {
        Schedule = schedule,
        MaxSteps = MaxStepsPerRun,
        YieldAtSpawn = YieldAtSpawn,
        YieldAtEveryOperation = YieldAtEveryOperation,
    };

    internal void Validate()
    {
        if (MaxSchedules < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxSchedules), MaxSchedules, "ExplorationOptions.MaxSchedules must be at least 1.");
        if (MaxStepsPerRun < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxStepsPerRun), MaxStepsPerRun, "ExplorationOptions.MaxStepsPerRun must be at least 1.");
        if (TimeBudget < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(TimeBudget), TimeBudget, "ExplorationOptions.TimeBudget must not be negative (null for none).");
        if (MaxShrinkRuns < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxShrinkRuns), MaxShrinkRuns, "ExplorationOptions.MaxShrinkRuns must not be negative.");
        if (ShrinkTimeBudget < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ShrinkTimeBudget), ShrinkTimeBudget, "ExplorationOptions.ShrinkTimeBudget must not be negative (null for none).");
        if (TimeProvider is null)
            throw new ArgumentException("ExplorationOptions.TimeProvider is null; leave it at TimeProvider.System or pass a clock.", nameof(TimeProvider));
    }
}
