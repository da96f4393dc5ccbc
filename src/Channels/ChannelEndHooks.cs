namespace Structured;

/// <summary>
/// The creation hook of channel ends, for Structured.Testing's leak report (ends never closed). Null unless a test loop
/// that tracks leaks has run in this process: then one volatile read per end created, nothing more.
/// </summary>
internal static class ChannelEndHooks
{
    /// <summary>Called on the creating thread with each new end (of <c>MemoryChannel.Create</c> and of <c>Clone</c>).</summary>
    internal static volatile Action<IChannelEnd>? Created;
}
