namespace Structured;

/// <summary>A send or receive end of any item type, as a leak report sees it: open or closed, and what it is (<c>ToString</c>).</summary>
internal interface IChannelEnd
{
    /// <summary>Whether this end has been closed by its owner (<c>Close</c> or <c>DisposeAsync</c>).</summary>
    bool IsClosed { get; }
}
