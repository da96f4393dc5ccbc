namespace Structured;

/// <summary>How a <see cref="Loop"/> runs: its clock, its schedule, its instruments and its cooperative budget.</summary>
public sealed class LoopOptions
{
    int _cooperativeBudget = DefaultCooperativeBudget;

    /// <summary>The default of <see cref="CooperativeBudget"/>: 128 operations, as Tokio's budget.</summary>
    public const int DefaultCooperativeBudget = 128;

    /// <summary>The loop's clock. <c>loop.Clock</c> is this very instance.</summary>
    /// <value>The default is null: <see cref="TimeProvider.System"/>, real monotonic time.</value>
    /// <remarks>
    /// Any <see cref="TimeProvider"/> works. A <see cref="VirtualClock"/> can jump by itself (autojump) and lets a test
    /// loop report deadlocks. Any other one (<c>FakeTimeProvider</c>, a provider with an offset) keeps its own time: the
    /// idle loop waits on a timer made with the provider (<see cref="TimeProvider.CreateTimer"/>), due when the loop's
    /// next sleep or deadline is, so moving that provider's time from another thread (<c>FakeTimeProvider.Advance</c>)
    /// wakes the loop at once, and nothing moves it otherwise.
    /// </remarks>
    public TimeProvider? Clock { get; set; }

    /// <summary>
    /// Shorthand for <c>Schedule = Schedule.Random(seed)</c>: the order of each ready batch is shuffled by a
    /// generator with this seed, reproducibly. Leave null for FIFO.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>Which ready callback runs next, step by step.</summary>
    /// <value>The default is null: FIFO, or <see cref="Seed"/> when that is set.</value>
    public Schedule? Schedule { get; set; }

    /// <summary>Instruments called at the points named by <see cref="IInstrument"/>.</summary>
    public IReadOnlyList<IInstrument> Instruments { get; set; } = [];

    /// <summary>
    /// How many operations of one task that complete without blocking run in a row before the task yields
    /// to the others anyway: a loop of non-blocking sends cannot starve the loop.
    /// </summary>
    /// <value>The default is <see cref="DefaultCooperativeBudget"/> (128); it must be at least 1.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int CooperativeBudget
    {
        get => _cooperativeBudget;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _cooperativeBudget = value;
        }
    }

    /// <summary>
    /// Set by Structured.Testing (<c>TestLoopOptions.YieldAtSpawn</c>): every spawn into a nursery is a schedule point of
    /// the spawner, as if <c>StartSoon</c> were followed by a yield (<see cref="Loop.YieldAtSpawn"/>).
    /// </summary>
    internal bool YieldAtSpawn { get; set; }

    /// <summary>Set by Structured.Testing: turns "everything blocked and nothing can wake it" into this error.</summary>
    internal Func<Loop, Exception>? DeadlockFactory { get; set; }
}
