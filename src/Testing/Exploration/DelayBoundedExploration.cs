namespace Structured.Testing;

/// <summary>
/// The exhaustive delay-bounded search of <see cref="ExplorationStrategy.DelayBounded"/>. A run under
/// <c>FromChoices(prefix)</c> follows the prefix, then FIFO; its trace gives the full vector of choices and the ready
/// count at each. The next vector, depth-first, bumps the last choice that can still grow within the bound and drops
/// what follows it (FIFO again). Runs are deterministic, so the ready counts along a prefix are the same every time.
/// </summary>
internal sealed class DelayBoundedExploration(int maxDelays) : ExplorationStrategy
{
    int _bound;
    int[]? _next = [];
    bool _boundReached; // some run of this bound used all its delays: a larger bound has new schedules

    public override string Name => maxDelays == int.MaxValue ? "delay-bounded" : $"delay-bounded({maxDelays})";

    public override Schedule? NextSchedule(ExplorationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _next is null ? null : Schedule.FromChoices(_next);
    }

    public override void RunCompleted(RunTrace trace, bool failed)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var choices = trace.Choices;
        var ready = trace.ReadyCounts;
        int sum = 0;
        for (int i = 0; i < choices.Count; i++)
            sum += choices[i];
        if (sum >= _bound)
            _boundReached = true;
        // Depth-first: the last position whose choice can grow by one within the bound.
        for (int i = choices.Count - 1; i >= 0; i--)
        {
            sum -= choices[i];
            if (choices[i] + 1 < ready[i] && sum + choices[i] + 1 <= _bound)
            {
                var next = new int[i + 1];
                for (int j = 0; j < i; j++)
                    next[j] = choices[j];
                next[i] = choices[i] + 1;
                _next = next;
                return;
            }
        }
        // This bound is searched. A larger one has new schedules only if some run of this one used every delay.
        if (!_boundReached || _bound >= maxDelays)
        {
            _next = null;
            return;
        }
        _bound++;
        _boundReached = false;
        _next = [];
    }
}
