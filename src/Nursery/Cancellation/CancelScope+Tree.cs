namespace Structured;

// CancelScope, part: The links of the tree of scopes: children, siblings, moving a task's scopes into another nursery.
public sealed partial class CancelScope
{
    void LinkChild(CancelScope child) => LinkFirst(ref _firstChild, child);

    void UnlinkChild(CancelScope child) => Unlink(ref _firstChild, child);

    /// <summary>Puts <paramref name="scope"/> first in the sibling list that starts at <paramref name="head"/>.</summary>
    internal static void LinkFirst(ref CancelScope? head, CancelScope scope)
    {
        scope._nextSibling = head;
        scope._previousSibling = null;
        if (head is not null)
            head._previousSibling = scope;
        head = scope;
    }

    /// <summary>Takes <paramref name="scope"/> out of the sibling list that starts at <paramref name="head"/>.</summary>
    internal static void Unlink(ref CancelScope? head, CancelScope scope)
    {
        if (scope._previousSibling is not null)
            scope._previousSibling._nextSibling = scope._nextSibling;
        else if (ReferenceEquals(head, scope))
            head = scope._nextSibling;
        if (scope._nextSibling is not null)
            scope._nextSibling._previousSibling = scope._previousSibling;
        scope._nextSibling = scope._previousSibling = null;
    }

    /// <summary>The next scope in the sibling list this scope is in.</summary>
    internal CancelScope? NextSibling => _nextSibling;

    /// <summary>
    /// Moves this active scope (a task's outermost own scope) under <paramref name="newParent"/>, as
    /// <c>started.Started()</c> does when a task moves from the caller's scope into its nursery.
    /// </summary>
    internal void Reparent(CancelScope newParent)
    {
        PendingCancellation tokens = default;
        using (new ScopeGate(Gate))
            Parent?.UnlinkChild(this);
        using (new ScopeGate(newParent.Gate))
        {
            newParent.LinkChild(this);
            Parent = newParent;
            SetGateOfSubtree(newParent.Gate);
            Refresh(this, ref tokens);
        }
        CancelTokens(ref tokens);
    }

    void SetGateOfSubtree(Lock? gate)
    {
        Gate = gate;
        for (var child = _firstChild; child is not null; child = child._nextSibling)
            child.SetGateOfSubtree(gate);
    }

    /// <summary>The scopes nested directly in this one, for the task-tree dump.</summary>
    internal IEnumerable<CancelScope> Children()
    {
        for (var child = _firstChild; child is not null; child = child._nextSibling)
            yield return child;
    }
}
