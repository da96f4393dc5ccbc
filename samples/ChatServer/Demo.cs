using System.Globalization;
using Structured;

namespace Chat;

/// <summary>
/// The demo: a chat server on 127.0.0.1, four scripted clients (one of which never reads and gets dropped), and a
/// graceful shutdown that still delivers the last message. Runs in about two seconds.
/// </summary>
internal static class Demo
{
    const int PasteLines = 300;

    static TimeSpan s_start;

    public static async Task RunAsync()
    {
        s_start = Time.Now;
        var server = new ChatServer(new ChatServerOptions
        {
            // Small buffers and a short timeout, so that the client who never reads falls behind within the demo.
            SendTimeout = TimeSpan.FromMilliseconds(500),
            SocketSendBufferSize = 8 * 1024,
            Log = text => Print("server", text),
        });

        await Nursery.RunAsync(async root =>
        {
            int port = await root.StartAsync<int>(started => server.RunAsync(started), "chat server");
            Print("demo", $"chat server listening on 127.0.0.1:{port}");

            await Nursery.RunAsync(async listeners =>
            {
                var alice = await JoinAsync(port, "alice", listeners);
                var bob = await JoinAsync(port, "bob", listeners);
                var carol = await JoinAsync(port, "carol", listeners);
                await SayAsync(alice, "hi all! how is the release going?");
                await SayAsync(bob, "tests are green, shipping today");

                Print("demo", "dave joins but never reads what he is sent");
                await using var dave = await ChatClient.ConnectAsync(port, "dave", receiveBufferSize: 4096);
                await Time.SleepAsync(TimeSpan.FromMilliseconds(150));

                await SayAsync(carol, $"here are the deploy logs ({PasteLines} lines):");
                Print("carol", $"(pastes {PasteLines} lines of 1 KB)");
                for (int i = 1; i <= PasteLines; i++)
                    await carol.SendAsync($"log {i:000}: " + new string('.', 1000));
                await Time.SleepAsync(TimeSpan.FromMilliseconds(600));

                await SayAsync(alice, "got them all, thanks carol");
                await SayAsync(carol, "bye for now");
                carol.ShutdownSend();
                await Time.SleepAsync(TimeSpan.FromMilliseconds(150));

                var received = server.Statistics.Received;
                await bob.SendAsync("one last thing: the party is at 6");
                Print("bob", "one last thing: the party is at 6");
                await CancelScope.MoveOnAfter(TimeSpan.FromSeconds(2)).RunAsync(async () =>
                {
                    while (server.Statistics.Received == received)
                        await Time.SleepAsync(TimeSpan.FromMilliseconds(5));
                });
                Print("demo", "stopping the server right after it accepted bob's last message: it is still delivered");
                server.Stop();
                // The listeners end (and close their clients) once the server has said goodbye and closed its side.
            });
        });
        Print("demo", $"server stopped: {server.Statistics}");
        Print("demo", "every task finished, every socket closed");
    }

    static async Task<ChatClient> JoinAsync(int port, string nickname, Nursery listeners)
    {
        var client = await ChatClient.ConnectAsync(port, nickname);
        listeners.StartSoon(() => ListenAsync(client), $"{nickname} listening");
        await Time.SleepAsync(TimeSpan.FromMilliseconds(100));
        return client;
    }

    static async Task SayAsync(ChatClient client, string text)
    {
        Print(client.Nickname, text);
        await client.SendAsync(text);
        await Time.SleepAsync(TimeSpan.FromMilliseconds(150));
    }

    /// <summary>Prints what one client receives until the server closes the connection, then closes it; pasted lines are counted, not shown.</summary>
    static async Task ListenAsync(ChatClient client)
    {
        await using var _ = client;
        int pasted = 0;
        try
        {
            while (await client.ReceiveAsync() is { } line)
            {
                if (line.StartsWith("carol: log ", StringComparison.Ordinal))
                {
                    if (++pasted == PasteLines)
                        Print(client.Nickname, $"  (received all {pasted} pasted lines)");
                    continue;
                }
                Print(client.Nickname, "  " + line);
            }
            Print(client.Nickname, "  (connection closed by the server)");
        }
        catch (IOException)
        {
            Print(client.Nickname, "  (connection reset)");
        }
    }

    static void Print(string who, string text)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{(Time.Now - s_start).TotalSeconds,5:0.00} s] {who,-6} | {text}"));
}
