using System.Runtime.CompilerServices;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Structured.Testing;

/// <summary>
/// Schedule exploration: runs a concurrent test body under many schedules on a <see cref="TestLoop"/>,
/// and when one fails, shrinks it to the smallest departure from FIFO that still fails and reports it
/// as a one-line replay.
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

    /// <summary>How many steps of a run the exploration may depart from FIFO in, by default.</summary>
    public const int DefaultMaxChoices = 64;

    /// <summary>How many runs shrinking may spend by default.</summary>
    public const int DefaultMaxShrinkRuns = 1000;

    static readonly double[] s_departures = [0.05, 0.15, 0.3, 0.5];

    /// <summary>
    /// Runs <paramref name="body"/> on a fresh <see cref="TestLoop"/> under <paramref name="runs"/> schedules:
    /// FIFO first, then seeded random walks away from FIFO (a few departures in the first
    /// <paramref name="maxChoices"/> steps) and fully random schedules (<see cref="Schedule.Random(int)"/>).
    /// Returns when every run passed; otherwise shrinks the failing schedule and throws.
    /// </summary>
    /// <param name="body">The scenario. It runs many times: give every run fresh state (create it inside the body).</param>
    /// <param name="runs">How many schedules to try. The default is <see cref="DefaultRuns"/> (100).</param>
    /// <param name="seed">
    /// The seed of the exploration. The default, null, picks a new one each call (reported on failure); pass
    /// a fixed one in CI to try the same schedules every time.
    /// </param>
    /// <param name="maxChoices">How many steps with a choice the random walks may depart from FIFO in. The default is <see cref="DefaultMaxChoices"/>.</param>
    /// <param name="maxShrinkRuns">How many runs shrinking may spend. The default is <see cref="DefaultMaxShrinkRuns"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="runs"/> or <paramref name="maxChoices"/> is less than 1, or <paramref name="maxShrinkRuns"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Called on a thread that runs a loop (call it from the test's thread).</exception>
    /// <exception cref="ConcurrencyPropertyException">
    /// The body failed under some schedule. The message holds the replay line of the smallest failing
    /// schedule (<c>Schedule.FromChoices(new[] { ... })</c>), the body's error and the task names of the last
    /// steps; <see cref="Exception.InnerException"/> is the body's error.
    /// </exception>
    public static void ForAll(Func<Task> body, int runs = DefaultRuns, int? seed = null, int maxChoices = DefaultMaxChoices, int maxShrinkRuns = DefaultMaxShrinkRuns)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChoices, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxShrinkRuns);
        if (Loop.Current is not null)
            throw new InvalidOperationException("ConcurrencyProperty.ForAll was called on a thread that runs a loop; call it from the test's own thread (it runs a loop per schedule).");
#pragma warning disable CA5394 // Reproducible exploration, not security: a seeded generator is the point.
        int explorationSeed = seed ?? Random.Shared.Next();
        var random = new Random(explorationSeed);
        for (int run = 0; run < runs; run++)
        {
            Schedule schedule = run switch
            {
                0 => Schedule.Fifo,
                _ when run % 4 == 1 => Schedule.Random(random.Next()),
                _ => new ExplorationSchedule(random.Next(), s_departures[random.Next(s_departures.Length)], 1 + random.Next(maxChoices)),
            };
#pragma warning restore CA5394
            var (trace, error) = TestLoop.RunCore(body, schedule, null);
            if (error is not null)
                throw Shrink(body, trace, error, explorationSeed, run + 1, runs, maxShrinkRuns);
        }
    }

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask"/>-returning function, under many schedules; as <see cref="ForAll(Func{Task}, int, int?, int, int)"/>.</summary>
    /// <param name="body">The scenario; give every run fresh state.</param>
    /// <param name="runs">How many schedules to try. The default is <see cref="DefaultRuns"/> (100).</param>
    /// <param name="seed">The seed of the exploration; null picks a new one each call (reported on failure).</param>
    /// <param name="maxChoices">How many steps with a choice the random walks may depart from FIFO in. The default is <see cref="DefaultMaxChoices"/>.</param>
    /// <param name="maxShrinkRuns">How many runs shrinking may spend. The default is <see cref="DefaultMaxShrinkRuns"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="runs"/> or <paramref name="maxChoices"/> is less than 1, or <paramref name="maxShrinkRuns"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Called on a thread that runs a loop.</exception>
    /// <exception cref="ConcurrencyPropertyException">The body failed under some schedule; the message holds the replay line.</exception>
    [OverloadResolutionPriority(-1)]
    public static void ForAll(Func<ValueTask> body, int runs = DefaultRuns, int? seed = null, int maxChoices = DefaultMaxChoices, int maxShrinkRuns = DefaultMaxShrinkRuns)
    {
        ArgumentNullException.ThrowIfNull(body);
        ForAll(() => body().AsTask(), runs, seed, maxChoices, maxShrinkRuns);
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

    static ConcurrencyPropertyException Shrink(Func<Task> body, RunTrace trace, ExceptionDispatchInfo error, int seed, int failingRun, int runs, int maxShrinkRuns)
    {
        var best = ChoiceLists.Trim(trace.Choices);
        var bestTrace = trace;
        var bestError = error;
        int shrinks = 0, spent = 0;
        bool improved = true, exhausted = false;
        // Until no candidate of the best list fails (a local minimum), or the budget runs out (then the report says so).
        while (improved)
        {
            improved = false;
            foreach (var candidate in ScheduleShrinker.Candidates(best))
            {
                if (spent++ >= maxShrinkRuns)
                {
                    exhausted = true;
                    break;
                }
                var (candidateTrace, candidateError) = TestLoop.RunCore(body, Schedule.FromChoices(candidate), null);
                if (candidateError is null)
                    continue;
                // What the run actually chose (each choice modulo the ready count, no trailing FIFO) is at most the candidate.
                var taken = ChoiceLists.Trim(candidateTrace.Choices);
                best = ChoiceLists.IsSmaller(taken, candidate) ? taken : candidate;
                bestTrace = candidateTrace;
                bestError = candidateError;
                shrinks++;
                improved = true;
                break;
            }
        }

        // Replay the reported line once, so the report shows exactly what the line does.
        var (replayTrace, replayError) = TestLoop.RunCore(body, Schedule.FromChoices(best), null);
        bool reproduced = replayError is not null;
        if (reproduced)
        {
            bestTrace = replayTrace;
            bestError = replayError!;
        }

        var failure = bestError.SourceException;
        var last = bestTrace.LastSteps(12);
        var names = last.Select(s => s.TaskName).Reverse().Distinct(StringComparer.Ordinal).ToList();
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"ConcurrencyProperty.ForAll: the body failed under schedule {failingRun} of {runs} (exploration seed {seed}), ")
            .Append(CultureInfo.InvariantCulture, $"after {shrinks} {(shrinks == 1 ? "shrink" : "shrinks")} ")
            .Append(best.Length == 0
                ? "it fails under FIFO itself (no departure from the order of a plain TestLoop.Run is needed):"
                : exhausted
                ? string.Create(CultureInfo.InvariantCulture, $"shrinking stopped at its budget of {maxShrinkRuns} runs (maxShrinkRuns): a smaller failing schedule may exist; the smallest found is:")
                : "the smallest departure from FIFO that still fails (no shorter list or smaller choice of it fails) is:")
            .AppendLine()
            .Append("Replay: TestLoop.Run(body, ").Append(ChoiceLists.ReplayLine(best)).Append(");")
            .AppendLine()
            .Append("Error: ").Append(failure.GetType().FullName).Append(": ").Append(failure.Message)
            .AppendLine()
            .Append("Tasks in the last steps: ").Append(string.Join(", ", names))
            .AppendLine()
            .Append(CultureInfo.InvariantCulture, $"Last {last.Count} of {bestTrace.Count} steps:");
        foreach (var step in last)
            text.AppendLine().Append("  ").Append(step);
        if (!reproduced)
        {
            text.AppendLine().Append("Warning: replaying this schedule passed. The body depends on something the loop does not control ")
                .Append("(another thread, real time, state shared between runs); make it self-contained to replay it.");
        }
        text.AppendLine().Append(CultureInfo.InvariantCulture, $"Explore the same schedules again with seed: {seed}.");
        return new ConcurrencyPropertyException(text.ToString(), failure, best, bestTrace, seed, failingRun, shrinks);
    }
}
