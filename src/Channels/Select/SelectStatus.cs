namespace Structured;

/// <summary>What one attempt of a select branch found.</summary>
internal enum SelectStatus
{
    /// <summary>The branch would have to wait.</summary>
    NotReady,

    /// <summary>The branch's operation happened: an item was taken or delivered.</summary>
    Done,

    /// <summary>A receive branch found the stream ended (every send end closed, buffer drained).</summary>
    Ended,

    /// <summary>The branch cannot ever complete: its end is closed, or (a send) every receive end is.</summary>
    Failed,
}
