namespace Stress;

/// <summary>What a node of a random tree does.</summary>
internal enum TreeNodeKind
{
    /// <summary>Opens a nursery and starts its children in it.</summary>
    Nursery,

    /// <summary>Runs its one child in a cancel scope, maybe with a deadline, maybe shielded.</summary>
    Scope,

    /// <summary>Sleeps, then throws an error with its own id.</summary>
    Throw,

    /// <summary>Sleeps for its delay.</summary>
    Sleep,

    /// <summary>Sleeps until cancelled (only where a deadline is sure to end it).</summary>
    SleepForever,

    /// <summary>Passes a few checkpoints.</summary>
    Checkpoints,

    /// <summary>Sleeps, then cancels the scope it runs in (for a child: its nursery, so its siblings too).</summary>
    CancelCurrent,

    /// <summary>
    /// Opens a nursery and starts its one child with <c>StartAsync</c>; the child calls <c>Started()</c> first thing
    /// (variant 0), after a checkpoint (1), or from a pool thread (2, off the loop), then runs its body (issue 25, item 11).
    /// </summary>
    Startable,
}
