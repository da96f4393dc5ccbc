namespace PropertyTests;

/// <summary>
/// The reference model of a <see cref="ScopeSpec"/> tree, after Trio's rules: code at a checkpoint is cancelled
/// when a scope around it, up to and including the innermost shielded one, has been cancelled; the
/// cancellation is caught by the outermost such scope. Time is simulated: a sleep ends at its end or at the
/// first cancellation visible to it, whichever comes first.
/// </summary>
internal sealed class CancelScopeModel
{
    readonly List<string> _record = [];
    readonly HashSet<int> _caught = [];
    long _now;

    /// <summary>What the program records, in order: entering, the middle and the end of each scope's body, and each exit.</summary>
    internal IReadOnlyList<string> Record => _record;

    /// <summary>The ids of the scopes whose <c>CancelledCaught</c> ends true.</summary>
    internal IReadOnlySet<int> Caught => _caught;

    internal static CancelScopeModel Run(ScopeSpec root)
    {
        var model = new CancelScopeModel();
        model.RunScope(root, []);
        return model;
    }

    sealed class ModelCancelled : Exception;

    void RunScope(ScopeSpec scope, List<ScopeSpec> outer)
    {
        var chain = new List<ScopeSpec>(outer) { scope };
        try
        {
            Exec(scope, chain);
        }
        catch (ModelCancelled) when (ReferenceEquals(Catcher(chain), scope))
        {
            _caught.Add(scope.Id);
        }
        finally
        {
            _record.Add($"#{scope.Id} exit");
        }
    }

    void Exec(ScopeSpec scope, List<ScopeSpec> chain)
    {
        _record.Add($"#{scope.Id} enter");
        Sleep(scope.Before, chain);
        _record.Add($"#{scope.Id} middle");
        foreach (var child in scope.Children)
            RunScope(child, chain);
        Sleep(scope.After, chain);
        _record.Add($"#{scope.Id} end");
    }

    /// <summary>The scopes whose cancellation reaches code in <paramref name="chain"/>: innermost out, up to the first shield.</summary>
    static IEnumerable<ScopeSpec> Visible(List<ScopeSpec> chain)
    {
        for (int i = chain.Count - 1; i >= 0; i--)
        {
            yield return chain[i];
            if (chain[i].Shield)
                yield break;
        }
    }

    ScopeSpec? Catcher(List<ScopeSpec> chain)
    {
        ScopeSpec? outermost = null;
        foreach (var scope in Visible(chain))
        {
            if (scope.FirstEventTicks <= _now)
                outermost = scope;
        }
        return outermost;
    }

    void Sleep(int seconds, List<ScopeSpec> chain)
    {
        if (Catcher(chain) is not null)
            throw new ModelCancelled();
        long end = _now + (seconds * TimeSpan.TicksPerSecond);
        long first = Visible(chain).Min(s => s.FirstEventTicks);
        if (first < end)
        {
            _now = first;
            throw new ModelCancelled();
        }
        _now = end;
    }
}
