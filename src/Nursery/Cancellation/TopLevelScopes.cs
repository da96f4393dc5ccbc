namespace Structured;

/// <summary>
/// The scopes a task entered outside any other scope, for a task without a root scope (the loop's main task, the
/// implicit task of code outside any task). The task tree lists a task's scopes from its root scope's children;
/// these tasks have no root, so their outermost scopes are kept here, in the task's <c>CancelState</c>.
/// </summary>
/// <remarks>
/// Several flows of one task may enter top-level scopes at once, off the loop on several threads: the list has its
/// own lock. The scopes are linked through their sibling links, which a top-level scope does not otherwise use.
/// </remarks>
internal sealed class TopLevelScopes
{
    // Off the loop, flows of one task on several threads; on the loop, the loop thread only (no lock taken).
    readonly Lock? _gate;
    CancelScope? _head;

    TopLevelScopes(bool offLoop) => _gate = offLoop ? new Lock() : null;

    /// <summary>The list of <paramref name="task"/>, made on first use; a throwaway one for a task with a root scope (which needs none).</summary>
    internal static TopLevelScopes Of(TaskInfo task)
    {
        switch (Volatile.Read(ref task.CancelState))
        {
            case TopLevelScopes existing:
                return existing;
            case null:
                var created = new TopLevelScopes(task.Loop is null);
                return Interlocked.CompareExchange(ref task.CancelState, created, null) as TopLevelScopes ?? created;
            default:
                return new TopLevelScopes(offLoop: true);
        }
    }

    /// <summary>The first of the task's top-level scopes (newest first), for the task tree.</summary>
    internal CancelScope? Head => _head;

    internal void Add(CancelScope scope)
    {
        using (new ScopeGate(_gate))
            CancelScope.LinkFirst(ref _head, scope);
    }

    internal void Remove(CancelScope scope)
    {
        using (new ScopeGate(_gate))
            CancelScope.Unlink(ref _head, scope);
    }
}
