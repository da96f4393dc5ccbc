using FsCheck;
using FsCheck.Fluent;

namespace Structured.Testing;

/// <summary>
/// The schedules of exploration beyond <see cref="Schedule"/>'s own (PCT, POS, switching and sparse random walks), and FsCheck
/// support: an <see cref="Arbitrary{T}"/> of <see cref="Schedule"/> for properties that take a schedule as an argument.
/// </summary>
/// <example>
/// <code>
/// [Property(Arbitrary = new[] { typeof(Schedules) })]
/// public void Counter_never_loses_an_update(Schedule schedule)
///     => TestLoop.Run(CounterScenario, schedule);  // a failure is reported with the shrunk schedule's replay line
///
/// TestLoop.Run(CounterScenario, Schedules.Pct(seed: 7, depth: 2, steps: 40));
/// </code>
/// </example>
public static class Schedules
{
    /// <summary>The most departures from FIFO (non-zero choices) a list that <see cref="Arbitrary"/> generates holds.</summary>
    public const int MaxGeneratedChoices = 64;

    /// <summary>How many choice points a generated list may reach: departures are spread over up to this many.</summary>
    internal const int MaxGeneratedLength = 1024;

    /// <summary>
    /// PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010): every task gets a random priority when it is
    /// created and the highest-priority ready task always runs; at <paramref name="depth"/> - 1 choice points picked at
    /// random among the first <paramref name="steps"/>, the task about to run drops below all others. A bug that needs
    /// d ordering constraints among n tasks and k choice points is found with probability at least 1/(n k^(d-1)) per run.
    /// </summary>
    /// <param name="seed">Seeds the priorities and the change points.</param>
    /// <param name="depth">The bug depth aimed at, at least 1 (1: priorities only, no change point).</param>
    /// <param name="steps">An estimate of a run's choice points, at least 1 (the change points are drawn among them).</param>
    /// <returns>The schedule; past 10 times <paramref name="steps"/> (at least 1,000) choice points a run picks at random, so that a task spinning on a yield cannot starve the rest forever.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="depth"/> or <paramref name="steps"/> is less than 1.</exception>
    public static Schedule Pct(int seed, int depth, int steps) => Pct(seed, depth, steps, spawnIsChoicePoint: true);

    /// <summary>
    /// PCT as <see cref="Pct(int, int, int)"/>; with <paramref name="spawnIsChoicePoint"/> false, a task whose step spawned a
    /// child and then yielded goes on at once (the yield after a spawn is not a choice point): code that yields after
    /// every spawn, as ports of threaded code do for pthread_create, is then explored as if it spawned in a plain loop,
    /// which puts the tasks created last within reach of the priorities.
    /// </summary>
    /// <param name="seed">Seeds the priorities and the change points.</param>
    /// <param name="depth">The bug depth aimed at, at least 1.</param>
    /// <param name="steps">An estimate of a run's choice points, at least 1.</param>
    /// <param name="spawnIsChoicePoint">Whether the step after a spawn-and-yield is a choice point (true, as in <see cref="Pct(int, int, int)"/>).</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="depth"/> or <paramref name="steps"/> is less than 1.</exception>
    public static Schedule Pct(int seed, int depth, int steps, bool spawnIsChoicePoint)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        return Schedule.FromStrategy(() => new PctStrategy(seed, depth, steps, spawnIsChoicePoint),
            FormattableString.Invariant($"Schedules.Pct({seed}, depth: {depth}, steps: {steps}{(spawnIsChoicePoint ? "" : ", spawnIsChoicePoint: false")})"));
    }

    /// <summary>
    /// Partial-order sampling after POS (Yuan, Yang, Gu, CAV 2018): every task's next step gets a random priority when it
    /// becomes ready, the highest runs, and a step's racing events get fresh priorities. The loop does not see memory
    /// accesses, so races are approximated by the wake relation (a task made ready by a step raced with it).
    /// </summary>
    /// <param name="seed">Seeds the priorities.</param>
    /// <returns>The schedule.</returns>
    public static Schedule Pos(int seed)
        => Schedule.FromStrategy(() => new PosStrategy(seed), FormattableString.Invariant($"Schedules.Pos({seed})"));

    /// <summary>
    /// A random walk biased towards preemption: at every choice point where the task that ran last is still ready,
    /// another ready callback (picked uniformly) runs with probability <paramref name="switchProbability"/>, the same
    /// task otherwise; where it is not ready, a uniform pick. Overlapping critical sections (lost updates, atomicity
    /// violations, lock-order deadlocks) are found about twice as often per run as by <see cref="Schedule.Random(int)"/>.
    /// </summary>
    /// <param name="seed">Seeds the walk.</param>
    /// <param name="switchProbability">The probability of a switch where one is possible, above 0 and below 1 (below 1 keeps the walk fair to a task spinning on a yield).</param>
    /// <param name="spawnIsChoicePoint">Whether the step after a spawn-and-yield may switch (false: the spawner goes on, as in a plain spawning loop).</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="switchProbability"/> is not in (0, 1).</exception>
    public static Schedule Switching(int seed, double switchProbability, bool spawnIsChoicePoint)
    {
        CheckSwitchProbability(switchProbability);
        return Schedule.FromStrategy(() => new SwitchingStrategy(seed, switchProbability, spawnIsChoicePoint),
            FormattableString.Invariant($"Schedules.Switching({seed}, switchProbability: {switchProbability:0.####}, spawnIsChoicePoint: {(spawnIsChoicePoint ? "true" : "false")})"));
    }

    internal static void CheckSwitchProbability(double switchProbability)
    {
        if (!(switchProbability > 0 && switchProbability < 1))
            throw new ArgumentOutOfRangeException(nameof(switchProbability), switchProbability, "The switch probability must be above 0 and below 1 (1 could starve a task spinning on a yield); 0.9 is the default.");
    }

    /// <summary>
    /// A sparse random walk away from FIFO: at every choice point of the run (anywhere in it) a departure to a uniformly
    /// picked other ready callback with probability <paramref name="departure"/>, at most <paramref name="maxDepartures"/> times.
    /// </summary>
    /// <param name="seed">Seeds the walk.</param>
    /// <param name="departure">The probability of a departure at each choice point, above 0 and at most 1.</param>
    /// <param name="maxDepartures">The most departures of a run, at least 1; the default is unlimited.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="departure"/> is not in (0, 1], or <paramref name="maxDepartures"/> is less than 1.</exception>
    public static Schedule RandomWalk(int seed, double departure, int maxDepartures = int.MaxValue)
    {
        CheckDeparture(departure, maxDepartures);
        return new ExplorationSchedule(seed, departure, maxDepartures);
    }

    internal static void CheckDeparture(double departure, int maxDepartures)
    {
        if (!(departure > 0 && departure <= 1))
            throw new ArgumentOutOfRangeException(nameof(departure), departure, "The departure probability must be above 0 and at most 1.");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepartures, 1);
    }

    /// <summary>
    /// An FsCheck <see cref="Arbitrary{T}"/> of <see cref="Schedule"/>: lists of choices (<see cref="Schedule.FromChoices"/>)
    /// mostly FIFO (0), with up to <see cref="MaxGeneratedChoices"/> departures spread over up to 1,024 choice points.
    /// A departure is small (1 to 3) or any position at all (a large number, taken modulo the ready count: every ready
    /// task can be reached, not only the first four). Lengths grow with FsCheck's size fast enough that a short
    /// property reaches long runs: at size s a list may reach 16 s choice points. Its shrinker is the one of
    /// <see cref="ConcurrencyProperty"/> (delta debugging over the departures, then local steps), so a failure is reported
    /// as a locally minimal schedule.
    /// </summary>
    /// <returns>A new arbitrary; it generates <see cref="Schedule.FromChoices"/> schedules only, and shrinks any schedule (another kind to <see cref="Schedule.Fifo"/>).</returns>
    public static Arbitrary<Schedule> Arbitrary() => Arb.From(Generator(), Shrink);

    static Gen<Schedule> Generator()
    {
        var departure = Gen.Frequency((3, Gen.Choose(1, 3)), (1, Gen.Choose(4, int.MaxValue)));
        return Gen.Sized(size =>
        {
            int reach = Math.Clamp(16 * (size + 1), 1, MaxGeneratedLength);
            return from length in Gen.Choose(0, reach)
                   from density in Gen.Elements(0.02, 0.1, 0.3)
                   from seed in Gen.Choose(0, int.MaxValue)
                   from values in Gen.ArrayOf(departure, MaxGeneratedChoices)
                   select Schedule.FromChoices(Spread(length, density, seed, values));
        });
    }

    /// <summary>A list of <paramref name="length"/> choices with departures at a random <paramref name="density"/> (at most one per value).</summary>
    static int[] Spread(int length, double density, int seed, int[] values)
    {
#pragma warning disable CA5394 // Reproducible generation, not security.
        var random = new Random(seed);
        var choices = new int[length];
        int used = 0;
        for (int i = 0; i < length && used < values.Length; i++)
        {
            if (random.NextDouble() < density)
                choices[i] = values[used++];
        }
#pragma warning restore CA5394
        return ChoiceLists.Trim(choices);
    }

    static IEnumerable<Schedule> Shrink(Schedule schedule)
    {
        switch (schedule)
        {
            case ChoicesSchedule choices:
                foreach (var smaller in ScheduleShrinker.Candidates(choices.Choices))
                    yield return Schedule.FromChoices(smaller);
                break;
            default:
                if (!ReferenceEquals(schedule, Schedule.Fifo))
                    yield return Schedule.Fifo;
                break;
        }
    }
}
