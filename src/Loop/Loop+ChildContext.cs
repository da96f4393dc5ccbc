namespace Structured;

// Loop, part: the ExecutionContext that a nursery's children on this loop start in, kept for the spawner's context it
// was made from (Structured.Nursery's ChildExecutionContext makes it; docs/performance.md, issue 24, "W2").
public sealed partial class Loop
{
    // The last spawner's context and the child context made from it. Loop thread only (loop tasks start there). Let go
    // when the loop goes idle, so that a context (and the AsyncLocal values in it) is not kept alive by a quiet loop.
    ExecutionContext? _spawnerContext, _childContext;

    /// <summary>The child context made for <paramref name="spawner"/>, if it is the spawner's context of the last spawn.</summary>
    internal bool TryGetChildContext(ExecutionContext spawner, out ExecutionContext? child)
    {
        child = _childContext;
        return ReferenceEquals(spawner, _spawnerContext);
    }

    /// <summary>Keeps <paramref name="child"/> as the context to start children of <paramref name="spawner"/> in.</summary>
    internal void KeepChildContext(ExecutionContext spawner, ExecutionContext? child)
    {
        _spawnerContext = spawner;
        _childContext = child;
    }

    void ForgetChildContext() => _spawnerContext = _childContext = null;
}
