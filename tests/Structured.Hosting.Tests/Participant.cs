using Chat;

namespace HostingTests;

/// <summary>
/// A scripted chat participant for the tests: sends "name-k" messages, records every line it receives, and checks the
/// server's promise at the end: every message the server accepted reached every other client, in order, and nothing
/// else did.
/// </summary>
internal sealed class Participant(ChatClient client)
{
    public ChatClient Client { get; } = client;

    public string Name => Client.Nickname;

    /// <summary>Every line received, in order.</summary>
    public List<string> Lines { get; } = [];

    public int Sent { get; set; }

    /// <summary>Whether the goodbye line came, and then the end of the stream (no reset).</summary>
    public bool SawGoodbye { get; private set; }

    public bool SawEnd { get; private set; }

    public bool WasReset { get; private set; }

    /// <summary>Chat lines (not notices) from <paramref name="sender"/>, in arrival order.</summary>
    public IEnumerable<string> From(string sender) => Lines.Where(l => l.StartsWith(sender + ": ", StringComparison.Ordinal)).Select(l => l[(sender.Length + 2)..]);

    /// <summary>Receives until the server ends the stream; the goodbye line is noted.</summary>
    public async Task ReceiveAllAsync()
    {
        try
        {
            while (await Client.ReceiveAsync() is { } line)
            {
                Lines.Add(line);
                if (line == "* server shutting down, goodbye")
                    SawGoodbye = true;
            }
            SawEnd = true;
        }
        catch (IOException)
        {
            WasReset = true;
        }
    }

    /// <summary>
    /// The delivery promise over a group of participants who all stayed until the end: for each sender, every other
    /// participant received the same messages, the sender's first ones in order with none missing, and together these
    /// are exactly the messages the server says it received.
    /// </summary>
    public static void AssertEveryAcceptedMessageWasDelivered(IReadOnlyList<Participant> everyone, long serverReceived)
    {
        long accepted = 0;
        foreach (var sender in everyone)
        {
            List<string>? agreed = null;
            foreach (var receiver in everyone.Where(p => p != sender))
            {
                var got = receiver.From(sender.Name).ToList();
                // In order, none missing: a prefix of what the sender sent.
                Assert.Equal(Enumerable.Range(0, got.Count).Select(k => $"{sender.Name}-{k}"), got);
                if (agreed is null)
                    agreed = got;
                else
                    Assert.True(agreed.Count == got.Count, $"{receiver.Name} got {got.Count} messages of {sender.Name}, another client got {agreed.Count}");
            }
            Assert.True(agreed!.Count <= sender.Sent);
            accepted += agreed.Count;
        }
        Assert.Equal(serverReceived, accepted);
    }
}
