namespace Structured.Testing;

/// <summary>FIFO, once (<see cref="ExplorationStrategy.Fifo"/>).</summary>
internal sealed class FifoExploration : ExplorationStrategy
{
    bool _done;

    public override string Name => "fifo";

    public override Schedule? NextSchedule(ExplorationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_done)
            return null;
        _done = true;
        return Schedule.Fifo;
    }
}
