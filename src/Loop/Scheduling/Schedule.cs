namespace Structured;

/// <summary>
/// Which ready callback the loop runs next, step by step: FIFO, a seeded shuffle, or a scripted list of
/// choices. Pass one in <see cref="LoopOptions.Schedule"/> or to <c>TestLoop.Run</c>.
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

    /// <summary>At each step, a ready callback picked by a generator seeded with <paramref name="seed"/>.</summary>
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

    /// <summary>The state of one run under this schedule.</summary>
    internal abstract SchedulePolicy CreatePolicy();

    /// <summary>The seed of a seeded schedule, else null.</summary>
    internal virtual int? Seed => null;

    sealed class FifoSchedule : Schedule
    {
        internal override SchedulePolicy CreatePolicy() => SchedulePolicy.Fifo;

        public override string ToString() => "Schedule.Fifo";
    }

    sealed class RandomSchedule(int seed) : Schedule
    {
        internal override int? Seed => seed;

        internal override SchedulePolicy CreatePolicy() => new SchedulePolicy.Seeded(seed);

        public override string ToString() => $"Schedule.Random({seed})";
    }
}
