namespace Structured.Testing;

/// <summary>A strategy that makes a fresh seeded schedule for every run (PCT, POS, random walks): it never runs out.</summary>
internal sealed class SeededExploration(string name, Func<int, ExplorationContext, Schedule> make) : ExplorationStrategy
{
    public override string Name => name;

    public override Schedule NextSchedule(ExplorationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return make(context.Seed, context);
    }
}
