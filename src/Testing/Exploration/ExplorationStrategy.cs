namespace Structured.Testing;

/// <summary>
/// How <see cref="ConcurrencyProperty.ForAll(Func{Task}, ExplorationOptions)"/> picks the schedule of each run: FIFO,
/// PCT, POS, random walks, an exhaustive delay-bounded search, or a portfolio of them (the default). Write your own
/// by deriving from it, with schedules of your own (<see cref="Schedule.FromStrategy(Func{ScheduleStrategy}, string?)"/>).
/// </summary>
/// <remarks>
/// An instance keeps the state of one exploration (an exhaustive search remembers where it is): give each
/// <c>ForAll</c> a new one. Every run is recorded as an explicit list of choices whatever its schedule, so a failure
/// found by any strategy shrinks and replays the same way.
/// </remarks>
public abstract class ExplorationStrategy
{
    /// <summary>Creates the strategy.</summary>
    protected ExplorationStrategy()
    {
    }

    /// <summary>The name reports use, such as <c>pct(depth 3)</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The schedule of the next run, or null when this strategy has nothing left to try (a finished exhaustive search).</summary>
    /// <param name="context">The run number, a seed for it and what the runs so far looked like.</param>
    public abstract Schedule? NextSchedule(ExplorationContext context);

    /// <summary>Called after each run this strategy scheduled, with its trace (choices made, ready counts, steps) and whether it failed.</summary>
    /// <param name="trace">The run's trace.</param>
    /// <param name="failed">Whether the body failed.</param>
    public virtual void RunCompleted(RunTrace trace, bool failed)
    {
    }

    /// <summary>The name of the strategy that made the last schedule (a portfolio's member); <see cref="Name"/> by default.</summary>
    internal virtual string LastName => Name;

    /// <summary>FIFO, once: the schedule a plain <c>Loop.Run</c> follows.</summary>
    public static ExplorationStrategy Fifo() => new FifoExploration();

    /// <summary>Uniform random walks: at every choice point a ready callback picked at random (<see cref="Schedule.Random(int)"/>).</summary>
    public static ExplorationStrategy Random() => new SeededExploration("random", (seed, _) => Schedule.Random(seed));

    /// <summary>
    /// Sparse random walks away from FIFO: at every choice point of the run, anywhere in it, a departure to another
    /// ready callback with probability <paramref name="departure"/>, at most <paramref name="maxDepartures"/> times
    /// (<see cref="Schedules.RandomWalk(int, double, int)"/>).
    /// </summary>
    /// <param name="departure">The probability of a departure at each choice point, above 0 and at most 1. The default is 0.1.</param>
    /// <param name="maxDepartures">The most departures per run; the default is unlimited.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="departure"/> is not in (0, 1], or <paramref name="maxDepartures"/> is less than 1.</exception>
    public static ExplorationStrategy RandomWalk(double departure = 0.1, int maxDepartures = int.MaxValue)
    {
        Schedules.CheckDeparture(departure, maxDepartures);
        return new SeededExploration(FormattableString.Invariant($"walk({departure:0.####})"), (seed, _) => new ExplorationSchedule(seed, departure, maxDepartures));
    }

    /// <summary>
    /// PCT with bug depth <paramref name="depth"/> (Burckhardt et al., ASPLOS 2010; <see cref="Schedules.Pct(int, int, int)"/>),
    /// its change points spread over the longest run seen so far.
    /// </summary>
    /// <param name="depth">The depth d of the bugs to aim at: d - 1 priority change points per run. The default is 3.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="depth"/> is less than 1.</exception>
    public static ExplorationStrategy Pct(int depth = 3) => Pct(depth, spawnIsChoicePoint: true);

    /// <summary>
    /// PCT with bug depth <paramref name="depth"/>; with <paramref name="spawnIsChoicePoint"/> false, a task that spawned
    /// and then yielded goes on at once (<see cref="Schedules.Pct(int, int, int, bool)"/>).
    /// </summary>
    /// <param name="depth">The depth d of the bugs to aim at, at least 1.</param>
    /// <param name="spawnIsChoicePoint">Whether the step after a spawn-and-yield is a choice point.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="depth"/> is less than 1.</exception>
    public static ExplorationStrategy Pct(int depth, bool spawnIsChoicePoint)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        string name = FormattableString.Invariant($"pct(depth {depth}{(spawnIsChoicePoint ? "" : ", spawns go on")})");
        return new SeededExploration(name, (seed, c) => Schedules.Pct(seed, depth, Math.Max(c.MaxChoicePoints, 1), spawnIsChoicePoint));
    }

    /// <summary>
    /// Random walks biased towards preemption (<see cref="Schedules.Switching(int, double, bool)"/>): at every choice point
    /// another task than the one that ran last runs with probability <paramref name="switchProbability"/>; the step after
    /// a spawn-and-yield goes on with the spawner unless <paramref name="spawnIsChoicePoint"/>.
    /// </summary>
    /// <param name="switchProbability">The probability of a switch where one is possible, above 0 and below 1. The default is 0.9.</param>
    /// <param name="spawnIsChoicePoint">Whether the step after a spawn-and-yield may switch; the default is false (the spawner goes on).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="switchProbability"/> is not in (0, 1).</exception>
    public static ExplorationStrategy Switching(double switchProbability = 0.9, bool spawnIsChoicePoint = false)
    {
        Schedules.CheckSwitchProbability(switchProbability);
        string name = FormattableString.Invariant($"switching({switchProbability:0.####}{(spawnIsChoicePoint ? ", spawns switch" : "")})");
        return new SeededExploration(name, (seed, _) => Schedules.Switching(seed, switchProbability, spawnIsChoicePoint));
    }

    /// <summary>Partial-order sampling after POS (Yuan et al., CAV 2018; <see cref="Schedules.Pos(int)"/>).</summary>
    public static ExplorationStrategy Pos() => new SeededExploration("pos", (seed, _) => Schedules.Pos(seed));

    /// <summary>
    /// An exhaustive search of every schedule with at most <paramref name="maxDelays"/> delays (Emmi, Qadeer, Rakamarić,
    /// POPL 2011): choosing the callback at position j of the ready queue costs j delays; bounds 0, 1, 2, ... in turn,
    /// each searched depth-first. It stops when every schedule within the bound was tried, or when a bound adds none.
    /// </summary>
    /// <param name="maxDelays">The largest bound searched; the default is unlimited.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDelays"/> is negative.</exception>
    /// <remarks>No partial-order reduction: schedules that differ only in the order of independent steps are all run.</remarks>
    public static ExplorationStrategy DelayBounded(int maxDelays = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDelays);
        return new DelayBoundedExploration(maxDelays);
    }

    /// <summary>Takes turns among <paramref name="strategies"/>, run by run; a member with nothing left drops out.</summary>
    /// <param name="strategies">The members, at least one; each must be a new instance.</param>
    /// <exception cref="ArgumentNullException"><paramref name="strategies"/> or one of them is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="strategies"/> is empty.</exception>
    public static ExplorationStrategy Portfolio(params ExplorationStrategy[] strategies)
    {
        ArgumentNullException.ThrowIfNull(strategies);
        if (strategies.Length == 0)
            throw new ArgumentException("ExplorationStrategy.Portfolio needs at least one strategy.", nameof(strategies));
        foreach (var strategy in strategies)
            ArgumentNullException.ThrowIfNull(strategy, nameof(strategies));
        return new PortfolioExploration(strategies);
    }

    /// <summary>
    /// The default of <c>ForAll</c>, ordered so that the first schedules find the most bugs across kinds: from the first
    /// run, turns among switching walks (<see cref="Switching(double, bool)"/> with switch probabilities 0.9, 0.5, 0.7
    /// and 0.3), POS and PCT of depth 3; FIFO once, at run 7; from run 64, every fourth run goes to the delay-bounded
    /// exhaustive search and a sparse random walk in turn. docs/testing.md says how the order was measured.
    /// </summary>
    public static ExplorationStrategy Default() => DefaultPortfolio(int.MaxValue);

    /// <summary>The default portfolio with at most <paramref name="maxDepartures"/> departures per sparse random walk.</summary>
    internal static ExplorationStrategy DefaultPortfolio(int maxDepartures) => new DefaultPortfolioExploration(maxDepartures);
}
