namespace Structured;

/// <summary>The loop's own SynchronizationContext, current in callbacks that belong to no task (<see cref="Loop.Post"/>).</summary>
internal sealed class LoopSynchronizationContext(Loop loop) : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        loop.EnqueueCallback(null, d, state);
    }

    public override void Send(SendOrPostCallback d, object? state) => loop.Send(null, d, state);

    public override SynchronizationContext CreateCopy() => this;
}
