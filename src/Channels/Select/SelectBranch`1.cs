namespace Structured;

/// <summary>A select branch that produces the select's result once it has won.</summary>
/// <typeparam name="TResult">The result type of the select.</typeparam>
internal abstract class SelectBranch<TResult> : SelectBranch
{
    /// <summary>Runs the branch's handler after its operation happened.</summary>
    internal abstract TResult Complete();

    /// <summary>Runs the branch's end-of-stream handler, if it has one.</summary>
    internal virtual bool TryCompleteEnd(out TResult result)
    {
        result = default!;
        return false;
    }
}
