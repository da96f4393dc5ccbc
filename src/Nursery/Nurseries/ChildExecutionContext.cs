namespace Structured;

/// <summary>
/// The ExecutionContext a nursery's child on a loop starts in: its spawner's, without the spawner's innermost cancel
/// scope (CancelScope's flow scope), which a child ignores anyway (its scopes start at its own root scope,
/// docs/decisions/0007).
/// </summary>
/// <remarks>
/// Why (docs/performance.md, issue 24, "W2"): a spawner inside a nursery always has that nursery's scope in its flow, so
/// its context is never the default one, and every resumption of a child's async method restored it (an
/// <c>ExecutionContext.RunInternal</c> switch in and out per step: 3 % of a W2 round trip) and its first step ran in
/// <c>ExecutionContext.Run</c>. Without that one value the context is usually the default one, which .NET's async
/// machinery runs in without switching. The user's own AsyncLocal values still flow, as before. Made once for each
/// spawner context and kept by the loop (<see cref="Loop.TryGetChildContext"/>): the thousands of children a nursery
/// body starts in one context cost one look-up each, and a context with other values in it is made once, not per
/// child.
/// </remarks>
internal static class ChildExecutionContext
{
    /// <summary>The context for a child that <paramref name="loop"/>'s current flow spawns; null when the flow is suppressed.</summary>
    internal static ExecutionContext? ForSpawnOn(Loop loop)
    {
        var spawner = ExecutionContext.Capture();
        if (spawner is null)
            return null; // ExecutionContext.SuppressFlow: the child starts in whatever context its first step finds
        if (loop.TryGetChildContext(spawner, out var child))
            return child;
        child = WithoutFlowScope(spawner);
        loop.KeepChildContext(spawner, child);
        return child;
    }

    /// <summary><paramref name="spawner"/>, the current context, with no flow scope: the same object when it has none.</summary>
    static ExecutionContext WithoutFlowScope(ExecutionContext spawner)
    {
        CancelScope.EnterFlow(null);
        var child = ExecutionContext.Capture()!;
        if (!ReferenceEquals(child, spawner))
            ExecutionContext.Restore(spawner); // the spawner's flow goes on with its scope
        return child;
    }
}
