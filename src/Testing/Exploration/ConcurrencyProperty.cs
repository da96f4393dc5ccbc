using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using FsCheck;
using FsCheck.Fluent;

namespace Structured.Testing;

/// <summary>
/// Schedule exploration: runs a concurrent test body under many schedules on a <see cref="TestLoop"/> (FIFO, an
/// exhaustive delay-bounded search, PCT, POS and random walks by default), and when one fails, shrinks it by delta
/// debugging to a locally minimal failing schedule and reports it as a one-line replay.
/// </summary>
/// <example>
/// <code>
/// [Fact]
/// public void Counter_never_loses_an_update()
///     => ConcurrencyProperty.ForAll(async () =>
///     {
///         var counter = new Counter();
///         await Nursery.RunAsync(async n =>
///         {
///             n.StartSoon(counter.IncrementAsync, "incrementer-A");
///             n.StartSoon(counter.IncrementAsync, "incrementer-B");
///         });
///         if (counter.Value != 2) throw new InvalidOperationException($"lost update: {counter.Value}");
///     });
/// // fails with: Replay: TestLoop.Run(body, Schedule.FromChoices(new[] { 1, 1 })); ...
/// </code>
/// </example>
public static class ConcurrencyProperty
{
    /// <summary>The number of schedules <see cref="ForAll(Func{Task}, int, int?, int, int)"/> tries by default.</summary>
    public const int DefaultRuns = 100;

    /// <summary>The most departures from FIFO one sparse random walk of the default portfolio makes (anywhere in the run), by default.</summary>
    public const int DefaultMaxChoices = 64;

    /// <summary>How many runs shrinking may spend by default.</summary>
    public const int DefaultMaxShrinkRuns = 1000;

    /// <summary>
    /// Runs <paramref name="body"/> on a fresh <see cref="TestLoop"/> under <paramref name="runs"/> schedules of the
    /// default portfolio (<see cref="ExplorationStrategy.Default"/>: switching walks, POS and PCT from the first run,
    /// FIFO once, a delay-bounded exhaustive search and sparse random walks from run 64). Returns a summary when every run passed; otherwise shrinks the
    /// failing schedule and throws. <see cref="ForAll(Func{Task}, ExplorationOptions)"/> sets budgets and strategies.
    /// </summary>
    /// <param name="body">The scenario. It runs many times: give every run fresh state (create it inside the body).</param>
    /// <param name="runs">How many schedules to try. The default is <see cref="DefaultRuns"/> (100).</param>
    /// <param name="seed">
    /// The seed of the exploration. The default, null, picks a new one each call (reported on failure); pass
    /// a fixed one in CI to try the same schedules every time.
    /// </param>
    /// <param name="maxChoices">The most departures from FIFO of one sparse random walk (they happen anywhere in the run). The default is <see cref="DefaultMaxChoices"/>.</param>
    /// <param name="maxShrinkRuns">How many runs shrinking may spend. The default is <see cref="DefaultMaxShrinkRuns"/>.</param>
    /// <returns>What the exploration did: schedules, distinct interleavings, choice points, task-pair coverage.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="runs"/> or <paramref name="maxChoices"/> is less than 1, or <paramref name="maxShrinkRuns"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Called on a thread that runs a loop (call it from the test's thread).</exception>
    /// <exception cref="ConcurrencyPropertyException">
    /// The body failed under some schedule. The message holds the replay line of the shrunk failing schedule
    /// (<c>Schedule.FromChoices(new[] { ... })</c>), the error and the task names of the last steps;
    /// <see cref="Exception.InnerException"/> is the error (the failing child's own).
    /// </exception>
    public static ExplorationSummary ForAll(Func<Task> body, int runs = DefaultRuns, int? seed = null, int maxChoices = DefaultMaxChoices, int maxShrinkRuns = DefaultMaxShrinkRuns)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChoices, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxShrinkRuns);
        // The default maxChoices keeps the walks of Default() unlimited.
        var strategy = ExplorationStrategy.DefaultPortfolio(maxChoices == DefaultMaxChoices ? int.MaxValue : maxChoices);
        return ForAll(body, new ExplorationOptions { MaxSchedules = runs, Seed = seed, MaxShrinkRuns = maxShrinkRuns, Strategy = strategy });
    }

    /// <summary>
    /// Runs <paramref name="body"/> on a fresh <see cref="TestLoop"/> under the schedules of
    /// <see cref="ExplorationOptions.Strategy"/> until a budget is spent (<see cref="ExplorationOptions.MaxSchedules"/>,
    /// <see cref="ExplorationOptions.TimeBudget"/>) or the strategy has nothing left. Returns a summary when every run
    /// passed; otherwise shrinks the failing schedule (delta debugging, then local steps) and throws.
    /// </summary>
    /// <param name="body">The scenario. It runs many times: give every run fresh state (create it inside the body).</param>
    /// <param name="options">Budgets, strategy, seed and shrinking.</param>
    /// <returns>What the exploration did: schedules, distinct interleavings, choice points, task-pair coverage, why it stopped.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A budget of <paramref name="options"/> is out of range (the message names it).</exception>
    /// <exception cref="InvalidOperationException">Called on a thread that runs a loop (call it from the test's thread).</exception>
    /// <exception cref="ConcurrencyPropertyException">The body failed under some schedule (see <see cref="ForAll(Func{Task}, int, int?, int, int)"/>).</exception>
    public static ExplorationSummary ForAll(Func<Task> body, ExplorationOptions options)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (Loop.Current is not null)
            throw new InvalidOperationException("ConcurrencyProperty.ForAll was called on a thread that runs a loop; call it from the test's own thread (it runs a loop per schedule).");
#pragma warning disable CA5394 // Reproducible exploration, not security: a seeded generator is the point.
        int explorationSeed = options.Seed ?? System.Random.Shared.Next();
        var random = new Random(explorationSeed);
        var strategy = options.Strategy ?? ExplorationStrategy.Default();
        var clock = options.TimeProvider;
        long started = clock.GetTimestamp();
        var stats = new ExplorationStats();
        var context = new ExplorationContext();
        string stoppedBy = "count budget";
        for (int run = 1; run <= options.MaxSchedules; run++)
        {
            if (run > 1 && options.TimeBudget is { } budget && clock.GetElapsedTime(started) >= budget)
            {
                stoppedBy = "time budget";
                break;
            }
            context.Run = run;
            context.Seed = random.Next();
            context.MaxChoicePoints = stats.MaxChoicePoints;
            context.MaxTasks = stats.MaxTasks;
#pragma warning restore CA5394
            var schedule = strategy.NextSchedule(context);
            if (schedule is null)
            {
                stoppedBy = "search exhausted";
                break;
            }
            string name = strategy.LastName;
            var (trace, error) = TestLoop.RunCore(body, options.RunOptions(schedule));
            if (error is not null && !options.StepBoundIsFailure && Unwrap(error) is StepBoundExceededException)
                error = null;
            stats.Add(trace, name);
            strategy.RunCompleted(trace, error is not null);
            if (error is not null)
            {
                var summary = stats.Summary(explorationSeed, strategy.Name, clock.GetElapsedTime(started), "failure");
                throw FailureReport.Shrink(body, trace, error, schedule, name, options, summary);
            }
        }
        return stats.Summary(explorationSeed, strategy.Name, clock.GetElapsedTime(started), stoppedBy);
    }

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask"/>-returning function, under many schedules; as <see cref="ForAll(Func{Task}, int, int?, int, int)"/>.</summary>
    /// <param name="body">The scenario; give every run fresh state.</param>
    /// <param name="runs">How many schedules to try. The default is <see cref="DefaultRuns"/> (100).</param>
    /// <param name="seed">The seed of the exploration; null picks a new one each call (reported on failure).</param>
    /// <param name="maxChoices">The most departures from FIFO of one sparse random walk (they happen anywhere in the run). The default is <see cref="DefaultMaxChoices"/>.</param>
    /// <param name="maxShrinkRuns">How many runs shrinking may spend. The default is <see cref="DefaultMaxShrinkRuns"/>.</param>
    /// <returns>What the exploration did.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="runs"/> or <paramref name="maxChoices"/> is less than 1, or <paramref name="maxShrinkRuns"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Called on a thread that runs a loop.</exception>
    /// <exception cref="ConcurrencyPropertyException">The body failed under some schedule; the message holds the replay line.</exception>
    [OverloadResolutionPriority(-1)]
    public static ExplorationSummary ForAll(Func<ValueTask> body, int runs = DefaultRuns, int? seed = null, int maxChoices = DefaultMaxChoices, int maxShrinkRuns = DefaultMaxShrinkRuns)
    {
        ArgumentNullException.ThrowIfNull(body);
        return ForAll(() => body().AsTask(), runs, seed, maxChoices, maxShrinkRuns);
    }

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask"/>-returning function, under the schedules of <paramref name="options"/>; as <see cref="ForAll(Func{Task}, ExplorationOptions)"/>.</summary>
    /// <param name="body">The scenario; give every run fresh state.</param>
    /// <param name="options">Budgets, strategy, seed and shrinking.</param>
    /// <returns>What the exploration did.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A budget of <paramref name="options"/> is out of range.</exception>
    /// <exception cref="InvalidOperationException">Called on a thread that runs a loop.</exception>
    /// <exception cref="ConcurrencyPropertyException">The body failed under some schedule; the message holds the replay line.</exception>
    [OverloadResolutionPriority(-1)]
    public static ExplorationSummary ForAll(Func<ValueTask> body, ExplorationOptions options)
    {
        ArgumentNullException.ThrowIfNull(body);
        return ForAll(() => body().AsTask(), options);
    }

    /// <summary>
    /// The same check as an FsCheck <see cref="Property"/>, for a <c>[Property]</c> test that returns it:
    /// FsCheck generates the schedules (<see cref="Schedules.Arbitrary"/>), runs <paramref name="body"/> under
    /// each with <see cref="TestLoop.Run(Func{Task}, Schedule?, VirtualClock?)"/>, and shrinks a failing one with the same shrinker; FsCheck's
    /// report shows the schedule's replay line.
    /// </summary>
    /// <param name="body">The scenario; give every run fresh state.</param>
    /// <returns>A property that holds when <paramref name="body"/> passes under every generated schedule.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    public static Property ToProperty(Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Prop.ForAll(Schedules.Arbitrary(), schedule => { TestLoop.Run(body, schedule); });
    }

    /// <summary>The check of <see cref="ToProperty(Func{Task})"/> for <paramref name="body"/>, a <see cref="ValueTask"/>-returning function.</summary>
    /// <param name="body">The scenario; give every run fresh state.</param>
    /// <returns>A property that holds when <paramref name="body"/> passes under every generated schedule.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    [OverloadResolutionPriority(-1)]
    public static Property ToProperty(Func<ValueTask> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return ToProperty(() => body().AsTask());
    }

    /// <summary>The error a report shows: the failing child's own exception when nurseries wrapped a single one (Trio's ExceptionGroup of one).</summary>
    internal static Exception Unwrap(Exception error)
    {
        while (error is AggregateException { InnerExceptions.Count: 1 } aggregate)
            error = aggregate.InnerExceptions[0];
        return error;
    }

    internal static Exception Unwrap(ExceptionDispatchInfo error) => Unwrap(error.SourceException);
}
