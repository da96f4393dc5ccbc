using Structured;

namespace Chat;

/// <summary>
/// One connection of the chat server: its cancel scopes, its outgoing queue (a bounded memory channel) and its
/// clone of the room's broadcast channel.
/// </summary>
internal sealed class ChatMember
{
    internal ChatMember(int queueCapacity)
    {
        (Outgoing, Inbox) = MemoryChannel.Create<string>(queueCapacity);
    }

    /// <summary>The nickname, once the client said it.</summary>
    public string Nickname { get; set; } = "(connecting)";

    /// <summary>Everything the connection does; cancelled when the member is dropped.</summary>
    public CancelScope Life { get; } = new();

    /// <summary>Reading from the client; cancelled when the server stops (no new messages are accepted then).</summary>
    public CancelScope Reading { get; } = new();

    /// <summary>Lines for the client: the broadcaster sends with TrySend (never waits), the writer task receives.</summary>
    public SendChannel<string> Outgoing { get; }

    /// <summary>The writer's end of <see cref="Outgoing"/>.</summary>
    public ReceiveChannel<string> Inbox { get; }

    /// <summary>This member's clone of the room's broadcast channel, once joined; its reader closes it when done.</summary>
    public SendChannel<ChatLine>? Broadcast { get; set; }

    /// <summary>Why the member was dropped, or null.</summary>
    public string? DropReason { get; set; }

    public override string ToString() => Nickname;
}
