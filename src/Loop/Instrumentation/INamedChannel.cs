namespace Structured;

/// <summary>A channel the user gave a name, as the channel instruments of <see cref="StructuredMetrics"/> read it (Structured.Channels implements it).</summary>
internal interface INamedChannel
{
    /// <summary>The name given at creation, the value of the <c>structured.channel.name</c> tag.</summary>
    string Name { get; }

    /// <summary>Whether every end of the channel is closed: then it is no longer reported.</summary>
    bool IsClosed { get; }

    /// <summary>Items accepted so far, items taken by receivers so far, items in the buffer now: one consistent reading.</summary>
    void Read(out long sent, out long received, out long buffered);
}
