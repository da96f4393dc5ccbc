using System.Net;
using System.Net.Sockets;
using System.Text;
using Structured;

namespace Chat;

/// <summary>A client of the chat server, for the demo and the tests: send lines, receive lines.</summary>
internal sealed class ChatClient : IAsyncDisposable
{
    readonly NetworkStream _stream;
    readonly LineReader _reader;

    ChatClient(NetworkStream stream, string nickname)
    {
        _stream = stream;
        _reader = new LineReader(stream, 1 << 20);
        Nickname = nickname;
    }

    public string Nickname { get; }

    public Socket Socket => _stream.Socket;

    /// <summary>Connects to the server on 127.0.0.1 and says the nickname.</summary>
    /// <param name="receiveBufferSize">A small kernel receive buffer makes a client that does not read fall behind sooner.</param>
    public static async Task<ChatClient> ConnectAsync(int port, string nickname, int? receiveBufferSize = null)
    {
        NetworkStream stream;
        if (receiveBufferSize is int size)
        {
            // The receive buffer must be set before connecting, to take effect on the TCP window.
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = size };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), CancelScope.CurrentToken);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            stream = new NetworkStream(socket, ownsSocket: true);
        }
        else
        {
            stream = await Tcp.ConnectAsync("127.0.0.1", port);
        }
        var client = new ChatClient(stream, nickname);
        await client.SendAsync(nickname);
        return client;
    }

    public async Task SendAsync(string line) => await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), CancelScope.CurrentToken);

    /// <summary>Writes raw bytes, such as half a line.</summary>
    public async Task SendRawAsync(string text) => await _stream.WriteAsync(Encoding.UTF8.GetBytes(text), CancelScope.CurrentToken);

    /// <summary>The next line, or null when the server closed the connection.</summary>
    public ValueTask<string?> ReceiveAsync() => _reader.ReadLineAsync();

    /// <summary>Closes our side for sending; the server sees the end of our stream.</summary>
    public void ShutdownSend() => _stream.Socket.Shutdown(SocketShutdown.Send);

    /// <summary>Closes at once with a reset (SO_LINGER 0), as a crashed client would.</summary>
    public void Abort()
    {
        // Not the stream's Dispose: NetworkStream shuts the socket down (a FIN) before closing it.
        _stream.Socket.LingerState = new LingerOption(true, 0);
        _stream.Socket.Dispose();
        _stream.Dispose();
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    public override string ToString() => Nickname;
}
