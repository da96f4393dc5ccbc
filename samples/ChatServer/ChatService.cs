using Structured;

namespace Chat;

/// <summary>
/// The chat server as a structured service of a host: the server task lives in the service's root nursery (its
/// connections drain when the host stops); the body waits, and stops the server gracefully when it is cancelled, which
/// is what the host's stop does.
/// </summary>
internal sealed class ChatService(ChatServer server) : StructuredService
{
    public override string Name => "chat";

    protected override async Task RunAsync(Nursery nursery, CancellationToken stopping)
    {
        int port = await nursery.StartAsync<int>(started => server.RunAsync(started), "chat server");
        // Tests and scripts read this line to find the port.
        Console.Out.WriteLine($"listening on 127.0.0.1:{port}");
        Console.Out.Flush();
        try
        {
            await Time.SleepForeverAsync(stopping);
        }
        finally
        {
            // Host stopping (SIGTERM, Ctrl+C): the soft phase. The server stops taking connections and messages, and its
            // connections, children of the root nursery, deliver what was accepted before the host lets go.
            server.Stop();
        }
    }
}
