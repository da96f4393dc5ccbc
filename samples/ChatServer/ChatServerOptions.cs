namespace Chat;

/// <summary>How the chat server listens, how patient it is with slow clients, and how it shuts down.</summary>
internal sealed class ChatServerOptions
{
    /// <summary>The port on 127.0.0.1; 0 (the default) picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>How long one write to a client may take before the client is dropped as too slow. Default 2 s.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How many lines may wait for one client (a memory bound); a client whose queue is full is dropped. Default 1024.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>How many lines may wait for the broadcaster before readers wait (backpressure). Default 64.</summary>
    public int BroadcastCapacity { get; init; } = 64;

    /// <summary>How long a new client has to send its nickname. Default 10 s.</summary>
    public TimeSpan NicknameTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>After the goodbye, how long the server waits for a client to close its side. Default 2 s.</summary>
    public TimeSpan LingerTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest line a client may send, in bytes; a longer one gets the client dropped. Default 4096.</summary>
    public int MaxLineLength { get; init; } = 4096;

    /// <summary>The kernel send buffer of each connection (SO_SNDBUF); null (the default) leaves the system's.</summary>
    public int? SocketSendBufferSize { get; init; }

    /// <summary>Where the server tells what happens (joins, leaves, drops); null for silence.</summary>
    public Action<string>? Log { get; init; }
}
