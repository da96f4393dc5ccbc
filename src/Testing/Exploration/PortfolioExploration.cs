namespace Structured.Testing;

/// <summary>Turns among several strategies, run by run (<see cref="ExplorationStrategy.Portfolio"/>); a member with nothing left drops out.</summary>
internal sealed class PortfolioExploration(ExplorationStrategy[] members, string? name = null) : ExplorationStrategy
{
    readonly List<ExplorationStrategy> _members = [.. members];
    int _turn;
    ExplorationStrategy? _last;

    public override string Name => name ?? "portfolio(" + string.Join(", ", members.Select(m => m.Name)) + ")";

    internal override string LastName => _last?.LastName ?? Name;

    public override Schedule? NextSchedule(ExplorationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        while (_members.Count > 0)
        {
            _turn %= _members.Count;
            var member = _members[_turn];
            var schedule = member.NextSchedule(context);
            if (schedule is null)
            {
                _members.RemoveAt(_turn);
                continue;
            }
            _turn++;
            _last = member;
            return schedule;
        }
        _last = null;
        return null;
    }

    public override void RunCompleted(RunTrace trace, bool failed) => _last?.RunCompleted(trace, failed);
}
