namespace Structured;

/// <summary>The strategy of <see cref="Schedule.Random(int)"/>: a uniformly random ready callback at every choice point.</summary>
internal sealed class RandomStrategy(int seed) : ScheduleStrategy
{
#pragma warning disable CA5394 // Reproducible exploration, not security: a seeded generator is the point.
    readonly Random _random = new(seed);

    public override int Choose(ReadySet ready) => _random.Next(ready.Count);
#pragma warning restore CA5394
}
