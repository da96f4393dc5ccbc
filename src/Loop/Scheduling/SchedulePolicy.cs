namespace Structured;

/// <summary>The per-run state of a <see cref="Schedule"/>: picks a position in the ready queue.</summary>
internal abstract class SchedulePolicy
{
    /// <summary>FIFO: the loop takes its fast path and never asks.</summary>
    internal static readonly SchedulePolicy Fifo = new FifoPolicy();

    internal virtual bool IsFifo => false;

    /// <summary>Picks the position, 0 to <paramref name="readyCount"/> - 1, of the callback to run next; called when readyCount &gt; 1.</summary>
    internal abstract int Choose(int readyCount);

    sealed class FifoPolicy : SchedulePolicy
    {
        internal override bool IsFifo => true;

        internal override int Choose(int readyCount) => 0;
    }

    internal sealed class Seeded(int seed) : SchedulePolicy
    {
#pragma warning disable CA5394 // Reproducible exploration, not security: a seeded generator is the point.
        readonly Random _random = new(seed);

        internal override int Choose(int readyCount) => _random.Next(readyCount);
#pragma warning restore CA5394
    }

    internal sealed class Scripted(int[] choices) : SchedulePolicy
    {
        int _step;

        internal override int Choose(int readyCount)
            => _step < choices.Length ? choices[_step++] % readyCount : 0;
    }
}
