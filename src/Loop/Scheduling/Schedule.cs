namespace Structured;

/// <summary>
/// Which ready callback the loop runs next, step by step: FIFO, a seeded shuffle, a scripted list of choices, or a
/// strategy of your own (<see cref="FromStrategy(Func{ScheduleStrategy}, string?)"/>). Pass one in
/// <see cref="LoopOptions.Schedule"/> or to <c>TestLoop.Run</c>.
/// </summary>
/// <remarks>
/// A step with a single ready callback involves no choice and consumes none. With a virtual clock and no
/// other thread posting in, the same schedule gives the same run, step for step.
/// </remarks>
public abstract class Schedule
{
    private protected Schedule() { }

    /// <summary>First in, first out: children start in spawn order, wake-ups run in the order they happened.</summary>
    public static Schedule Fifo { get; } = new FifoSchedule();

    /// <summary>At each step, a ready callback picked by a generator seeded with <paramref name="seed"/> (a uniform random walk).</summary>
    public static Schedule Random(int seed) => new RandomSchedule(seed);

    /// <summary>
    /// At step k with more than one ready callback, runs the one at position <c>choices[k] % count</c> of the
    /// ready queue (0 is the front, the FIFO choice); once the list runs out, FIFO. An empty list is FIFO.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="choices"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A choice is negative.</exception>
    public static Schedule FromChoices(IReadOnlyList<int> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        for (int i = 0; i < choices.Count; i++)
        {
            if (choices[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(choices), choices[i], $"Schedule.FromChoices: choice #{i} is negative; choices are non-negative positions in the ready queue.");
        }
        return new ChoicesSchedule([.. choices]);
    }

    /// <summary>
    /// A schedule of your own: every run calls <paramref name="createStrategy"/> once for a fresh
    /// <see cref="ScheduleStrategy"/>, which picks the next ready callback at each choice point of that run.
    /// </summary>
    /// <param name="createStrategy">Makes the per-run state; it must return a new strategy each call (a run changes it).</param>
    /// <param name="name">What <see cref="object.ToString"/> shows, for reports; the default, null, is the strategy's type name.</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="createStrategy"/> is null.</exception>
    /// <remarks>A run whose factory returns null fails with <see cref="InvalidOperationException"/>.</remarks>
    public static Schedule FromStrategy(Func<ScheduleStrategy> createStrategy, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(createStrategy);
        return new StrategySchedule(createStrategy, name);
    }

    /// <summary>The state of one run under this schedule, or null for FIFO (the loop's fast path).</summary>
    internal abstract ScheduleStrategy? CreateStrategy();

    /// <summary>The seed of a seeded schedule, else null.</summary>
    internal virtual int? Seed => null;

    /// <summary>The loop's side of one run: null for FIFO.</summary>
    internal StrategyPolicy? CreatePolicy()
        => CreateStrategy() is { } strategy ? new StrategyPolicy(strategy, ToString() ?? GetType().Name) : null;

    sealed class FifoSchedule : Schedule
    {
        internal override ScheduleStrategy? CreateStrategy() => null;

        public override string ToString() => "Schedule.Fifo";
    }

    sealed class RandomSchedule(int seed) : Schedule
    {
        internal override int? Seed => seed;

        internal override ScheduleStrategy CreateStrategy() => new RandomStrategy(seed);

        public override string ToString() => $"Schedule.Random({seed})";
    }

    sealed class StrategySchedule(Func<ScheduleStrategy> createStrategy, string? name) : Schedule
    {
        internal override ScheduleStrategy CreateStrategy()
            => createStrategy() ?? throw new InvalidOperationException($"Schedule.FromStrategy: the factory of '{ToString()}' returned null; return a new ScheduleStrategy for every run.");

        public override string ToString() => name ?? $"Schedule.FromStrategy({createStrategy.Method.DeclaringType?.Name ?? "strategy"})";
    }
}
