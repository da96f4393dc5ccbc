namespace Structured;

/// <summary>
/// What the clones of one wrapped System.Threading.Channels end share: how many are open, how many tasks wait, and
/// the error the first <c>TryComplete(error)</c> gave. Guarded by <see cref="Gate"/>.
/// </summary>
internal sealed class WrappedEnds
{
    internal readonly Lock Gate = new();

    internal int Open = 1;

    /// <summary>Tasks blocked in a send or receive of some clone (updated with interlocked operations).</summary>
    internal int Waiting;

    internal Exception? Error;
}
