namespace Structured.Testing;

/// <summary>
/// The default portfolio (<see cref="ExplorationStrategy.Default"/>). Its order is chosen so that the first schedules
/// are the most productive across bug kinds, measured on the bug-finding benchmark (docs/testing.md, "How the default
/// portfolio was chosen"): a cycle of six members from the first run on, FIFO once at run <see cref="FifoTurn"/>, and
/// from run <see cref="LateShareFrom"/> a quarter of the runs for the delay-bounded search and the sparse walk in turn.
/// </summary>
/// <remarks>
/// <para>The cycle: switching walks (switch probability 0.9, 0.5, 0.7, 0.3; the spawner goes on after a spawn), POS
/// and PCT of depth 3. Switching at almost every step (0.9) finds overlapping critical sections (lost updates, lock-order
/// deadlocks, atomicity violations) in one or two runs; lower switch probabilities let one task run several steps in a
/// row (a missed wake-up, a use before init, a reader that must get two steps in among a hundred writers); POS and PCT
/// cover ordering bugs the walks reach slowly. It starts with the walk, not with PCT, because PCT's change points are
/// spread over the longest run seen so far, which the first run measures.</para>
/// <para>FIFO runs once, not first: any schedule finds a bug every run has, so FIFO's own run only matters for a bug
/// that needs exactly the FIFO order, and putting it first would cost every other bug a run. The exhaustive search
/// gets a late share because its first schedules are FIFO and its neighbours, the least productive ones for a
/// probabilistic search; a long exploration of a small scenario still covers the few-delay schedules.</para>
/// <para>The portfolio counts its own turns (not <see cref="ExplorationContext.Run"/>), so it behaves the same inside
/// another portfolio.</para>
/// </remarks>
internal sealed class DefaultPortfolioExploration : ExplorationStrategy
{
    /// <summary>The turn (from 1) of the one FIFO run.</summary>
    internal const int FifoTurn = 7;

    /// <summary>The turn from which every fourth run goes to the late members (the exhaustive search, the sparse walk).</summary>
    internal const int LateShareFrom = 64;

    readonly ExplorationStrategy[] _cycle =
    [
        Switching(0.9), Switching(0.5), Pos(), Switching(0.7), Switching(0.3), Pct(3),
    ];

    readonly List<ExplorationStrategy> _late;
    readonly FifoExploration _fifo = new();
    int _turn, _cycleTurn, _lateTurn;
    ExplorationStrategy? _last;

    internal DefaultPortfolioExploration(int maxDepartures) => _late = [DelayBounded(), RandomWalk(0.1, maxDepartures)];

    public override string Name => "default portfolio";

    internal override string LastName => _last?.LastName ?? Name;

    public override Schedule NextSchedule(ExplorationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _turn++;
        if (_turn == FifoTurn && _fifo.NextSchedule(context) is { } fifo)
            return Use(_fifo, fifo);
        if (_turn >= LateShareFrom && (_turn - LateShareFrom) % 4 == 0)
        {
            while (_late.Count > 0)
            {
                _lateTurn %= _late.Count;
                var member = _late[_lateTurn];
                if (member.NextSchedule(context) is { } schedule)
                {
                    _lateTurn++;
                    return Use(member, schedule);
                }
                _late.RemoveAt(_lateTurn);
            }
        }
        // The cycle's members are seeded: they never run out.
        var next = _cycle[_cycleTurn++ % _cycle.Length];
        return Use(next, next.NextSchedule(context)!);
    }

    public override void RunCompleted(RunTrace trace, bool failed) => _last?.RunCompleted(trace, failed);

    Schedule Use(ExplorationStrategy member, Schedule schedule)
    {
        _last = member;
        return schedule;
    }
}
