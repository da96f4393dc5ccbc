namespace Structured.Testing;

/// <summary>
/// A random walk away from FIFO for <see cref="ConcurrencyProperty"/>: at each of the first
/// <c>length</c> steps with a choice, it departs from FIFO with probability <c>departure</c>, to a
/// uniformly picked other ready callback; then FIFO. Few, early departures find most races (as PCT
/// argues), and the run is recorded as an explicit list of choices, so it shrinks like any other.
/// </summary>
internal sealed class ExplorationSchedule(int seed, double departure, int length) : Schedule
{
    internal override SchedulePolicy CreatePolicy() => new Policy(seed, departure, length);

    public override string ToString() => $"exploration (seed {seed}, departure {departure}, {length} choices)";

    sealed class Policy(int seed, double departure, int length) : SchedulePolicy
    {
#pragma warning disable CA5394 // Reproducible exploration, not security: a seeded generator is the point.
        readonly Random _random = new(seed);
        int _step;

        internal override int Choose(int readyCount)
        {
            if (_step++ >= length || _random.NextDouble() >= departure)
                return 0;
            return 1 + _random.Next(readyCount - 1);
        }
#pragma warning restore CA5394
    }
}
