namespace Structured;

/// <summary>
/// Serializes the mutations of one tree of cancel scopes off the loop. On the loop every scope is touched
/// by the loop thread only (other threads post), so there the gate is null and costs nothing.
/// </summary>
/// <remarks>Lock order: a scope gate before a primitive's lock, never the other way round.</remarks>
internal readonly ref struct ScopeGate
{
    readonly Lock? _gate;

    internal ScopeGate(Lock? gate)
    {
        _gate = gate;
        gate?.Enter();
    }

    public void Dispose() => _gate?.Exit();
}
