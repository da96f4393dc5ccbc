using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AspNetBench;

/// <summary>
/// One keep-alive HTTP/1.1 connection of the load generator, over a raw socket: it sends a prebuilt GET and reads the
/// response (status line, headers up to the blank line, then Content-Length bytes of body). Lighter than HttpClient,
/// so that the load generator takes as little as it can of the cores the server shares with it.
/// </summary>
public sealed class HttpConnection : IDisposable
{
    static readonly byte[] s_headerEnd = "\r\n\r\n"u8.ToArray();
    static readonly byte[] s_contentLength = "content-length:"u8.ToArray();

    readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    readonly byte[] _buffer = new byte[16 * 1024];

    HttpConnection()
    {
    }

    /// <summary>Opens a connection to 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<HttpConnection> OpenAsync(int port, CancellationToken cancellationToken)
    {
        var connection = new HttpConnection();
        await connection._socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        return connection;
    }

    /// <summary>The bytes of a GET of <paramref name="path"/>.</summary>
    public static byte[] Request(string path) => Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

    /// <summary>Sends <paramref name="request"/> and reads the response; returns its status code and body.</summary>
    /// <exception cref="IOException">The server closed the connection or sent what this reader does not parse.</exception>
    public async Task<(int Status, string Body)> SendAsync(byte[] request, CancellationToken cancellationToken)
    {
        await _socket.SendAsync(request, SocketFlags.None, cancellationToken);
        int filled = 0;
        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(0, filled).IndexOf(s_headerEnd)) < 0)
            filled += await ReceiveAsync(filled, cancellationToken);
        int status = ParseStatus(_buffer.AsSpan(0, headerEnd));
        int length = ParseContentLength(_buffer.AsSpan(0, headerEnd));
        int bodyStart = headerEnd + s_headerEnd.Length;
        while (filled - bodyStart < length)
            filled += await ReceiveAsync(filled, cancellationToken);
        if (filled - bodyStart != length)
            throw new IOException("The server sent more than one response (the load generator does not pipeline).");
        return (status, Encoding.ASCII.GetString(_buffer, bodyStart, length));
    }

    async ValueTask<int> ReceiveAsync(int filled, CancellationToken cancellationToken)
    {
        if (filled == _buffer.Length)
            throw new IOException("A response larger than the load generator's buffer.");
        int read = await _socket.ReceiveAsync(_buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
        return read == 0 ? throw new IOException("The server closed the connection.") : read;
    }

    static int ParseStatus(ReadOnlySpan<byte> head)
    {
        // "HTTP/1.1 200 OK"
        if (head.Length < 12 || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
            throw new IOException("A response without a status line.");
        return status;
    }

    static int ParseContentLength(ReadOnlySpan<byte> head)
    {
        Span<byte> lower = stackalloc byte[head.Length];
        for (int i = 0; i < head.Length; i++)
            lower[i] = head[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(head[i] + 32) : head[i];
        int at = ((ReadOnlySpan<byte>)lower).IndexOf(s_contentLength);
        if (at < 0)
            throw new IOException("A response without Content-Length (the benchmark's handlers set it).");
        var rest = head[(at + s_contentLength.Length)..].TrimStart((byte)' ');
        if (!Utf8Parser.TryParse(rest, out int length, out _))
            throw new IOException("A Content-Length that is no number.");
        return length;
    }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();
}
