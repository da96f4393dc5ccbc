namespace Stress;

/// <summary>The error a Throw node of a random tree throws: its id says which node, so each can be counted once.</summary>
internal sealed class TreeError : Exception
{
    public TreeError()
    {
    }

    public TreeError(string message)
        : base(message)
    {
    }

    public TreeError(string message, Exception inner)
        : base(message, inner)
    {
    }

    internal TreeError(int id)
        : base($"tree error {id}") => Id = id;

    internal int Id { get; }
}
