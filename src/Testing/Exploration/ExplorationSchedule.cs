namespace Structured.Testing;

/// <summary>
/// A random walk away from FIFO: at every choice point of the run (anywhere, not only early on) it departs from FIFO
/// with probability <c>departure</c>, to a uniformly picked other ready callback, at most <c>maxDepartures</c> times.
/// Few departures find most races (as PCT argues), and the run is recorded as an explicit list of choices, so it
/// shrinks like any other.
/// </summary>
internal sealed class ExplorationSchedule(int seed, double departure, int maxDepartures) : Schedule
{
    internal override ScheduleStrategy CreateStrategy() => new Walk(seed, departure, maxDepartures);

    public override string ToString() => $"Schedules.RandomWalk({seed}, departure {departure:0.####})";

    sealed class Walk(int seed, double departure, int maxDepartures) : ScheduleStrategy
    {
#pragma warning disable CA5394 // Reproducible exploration, not security: a seeded generator is the point.
        readonly Random _random = new(seed);
        int _departures;

        public override int Choose(ReadySet ready)
        {
            if (_departures >= maxDepartures || _random.NextDouble() >= departure)
                return 0;
            _departures++;
            return 1 + _random.Next(ready.Count - 1);
        }
#pragma warning restore CA5394
    }
}
