using System.Net;
using System.Net.Sockets;
using System.Text;
using Structured;

namespace Chat;

/// <summary>
/// A line-based TCP chat server on 127.0.0.1. A client sends its nickname, then messages, one per line; it receives
/// everybody else's as "nick: text", and notices as "* text". Each connection is a child task with a reader and a
/// writer; broadcasts go through memory channels (see <see cref="ChatRoom"/>).
/// </summary>
/// <remarks>
/// <para><b>Slow clients.</b> A write that takes longer than <see cref="ChatServerOptions.SendTimeout"/>, or a queue that
/// fills up, gets the client dropped: its connection is cancelled and nobody else waited for it.</para>
/// <para><b>Stopping.</b> <see cref="Stop"/> is graceful: no new connections, no new messages; every message read in
/// full is delivered, each client gets a goodbye line, and its socket is closed after the client closed its side (or
/// after <see cref="ChatServerOptions.LingerTimeout"/>). Cancelling <see cref="RunAsync"/> instead is the hard stop.</para>
/// </remarks>
internal sealed class ChatServer
{
    readonly ChatServerOptions _options;
    readonly ChatRoom _room;
    readonly CancelScope _accepting = new();
    int _open;

    public ChatServer(ChatServerOptions? options = null)
    {
        _options = options ?? new ChatServerOptions();
        _room = new ChatRoom(_options);
    }

    public ChatStatistics Statistics => _room.Statistics(Volatile.Read(ref _open));

    /// <summary>
    /// Serves until <see cref="Stop"/> was called and every connection has finished, or until cancelled. Reports the
    /// port through <paramref name="started"/> (use with <c>nursery.StartAsync&lt;int&gt;</c>).
    /// </summary>
    public async Task RunAsync(IStarted<int>? started = null)
    {
        var listener = Tcp.Listen(_options.Port, IPAddress.Loopback);
        try
        {
            await Nursery.RunAsync(async connections =>
            {
                connections.StartSoon(_room.BroadcastAsync, "broadcaster");
                started?.Started(((IPEndPoint)listener.LocalEndPoint!).Port);
                // Connections are children of `connections`, not of ServeAsync: stopping the accept loop leaves them running.
                await _accepting.RunAsync(() => Tcp.ServeAsync(ServeClientAsync, listener, handlerNursery: connections));
                listener.Dispose(); // stopped accepting: new clients are refused at once instead of waiting in the backlog
            });
        }
        finally
        {
            listener.Dispose();
        }
    }

    /// <summary>Stops gracefully (see the class remarks). Idempotent; safe from any thread.</summary>
    public void Stop()
    {
        _accepting.Cancel("the chat server is stopping");
        _room.Stop();
    }

    async Task ServeClientAsync(NetworkStream stream)
    {
        Interlocked.Increment(ref _open);
        try
        {
            if (_options.SocketSendBufferSize is int size)
                stream.Socket.SendBufferSize = size;
            var member = _room.Connect();
            if (member is null)
            {
                await SayAsync(stream, "* server shutting down, goodbye");
                return;
            }
            var reader = new LineReader(stream, _options.MaxLineLength);
            try
            {
                // Life: dropping the member cancels both tasks. Reading: stopping the server cancels the reader only,
                // so the writer still delivers what is queued.
                await member.Life.RunAsync(() => Nursery.RunAsync(connection =>
                    member.Reading.RunAsync(() => ReadAsync(member, reader, stream, connection))));
            }
            finally
            {
                _room.Disconnect(member);
            }
            if (member.DropReason is null && member.Broadcast is not null)
                await CloseGracefullyAsync(stream, reader);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    /// <summary>The reader: the nickname, then each line into the room, until the client leaves or the server stops.</summary>
    async Task ReadAsync(ChatMember member, LineReader reader, NetworkStream stream, Nursery connection)
    {
        try
        {
            string? nickname = null;
            await CancelScope.MoveOnAfter(_options.NicknameTimeout).RunAsync(async () => nickname = (await reader.ReadLineAsync())?.Trim());
            if (string.IsNullOrEmpty(nickname))
                return; // no name in time, or gone before saying it
            if (_room.Join(member, nickname) is not { } others)
                return; // the server is stopping
            connection.StartSoon(() => WriteAsync(member, stream), $"writer of {nickname}");
            member.Outgoing.TrySend(others.Count == 0
                ? $"* welcome, {nickname}! nobody else is here yet"
                : $"* welcome, {nickname}! here: {string.Join(", ", others)}");
            await HandOverAsync(member, new ChatLine(member, $"{nickname} joined", IsNotice: true));
            while (await reader.ReadLineAsync() is { } text)
            {
                if (text.Length == 0)
                    continue;
                await HandOverAsync(member, new ChatLine(member, text, IsNotice: false));
                _room.CountReceived();
            }
            // The client closed its side: a partial last line, if any, was never received in full and is dropped.
            await HandOverAsync(member, new ChatLine(member, $"{nickname} left", IsNotice: true));
            _room.Leave(member);
        }
        catch (IOException)
        {
            if (member.Broadcast is not null)
                _room.Drop(member, "connection lost", slow: false);
        }
        catch (InvalidDataException error)
        {
            _room.Drop(member, $"sent {error.Message}", slow: false);
        }
        catch (BrokenResourceException)
        {
            // The broadcaster is gone: the server was cancelled (hard stop); nothing left to hand over to.
        }
        finally
        {
            member.Broadcast?.Close();
        }
    }

    /// <summary>
    /// Hands a line read in full to the broadcaster. Shielded: once read, a line is accepted, and a stop must not lose it
    /// between the socket and the room. Bounded: the broadcaster outlives every reader, and if it is cancelled it
    /// closes its end, which turns this wait into <see cref="BrokenResourceException"/>.
    /// </summary>
    static async Task HandOverAsync(ChatMember member, ChatLine line)
    {
        var broadcast = member.Broadcast!;
        if (broadcast.TrySend(line))
            return;
        await new CancelScope(shield: true).RunAsync(async () => await broadcast.SendAsync(line));
    }

    /// <summary>The writer: the member's queue to its socket, in batches, each write bounded by the send timeout.</summary>
    async Task WriteAsync(ChatMember member, NetworkStream stream)
    {
        var batch = new MemoryStream();
        try
        {
            while (true)
            {
                string first;
                try
                {
                    first = await member.Inbox.ReceiveAsync();
                }
                catch (EndOfChannelException)
                {
                    return; // the room closed the queue: everything in it was written
                }
                batch.SetLength(0);
                Append(batch, first);
                int lines = 1;
                while (batch.Length < 16 * 1024 && member.Inbox.TryReceive(out var next))
                {
                    Append(batch, next);
                    lines++;
                }
                await CancelScope.FailAfter(_options.SendTimeout, async () => await stream.WriteAsync(batch.GetBuffer().AsMemory(0, (int)batch.Length)));
                _room.CountDelivered(lines);
            }
        }
        catch (TimeoutException)
        {
            _room.Drop(member, $"a write took longer than {_options.SendTimeout.TotalSeconds:0.###} s", slow: true);
        }
        catch (IOException)
        {
            _room.Drop(member, "connection lost", slow: false);
        }
        finally
        {
            member.Inbox.Close();
        }
    }

    /// <summary>After the last line: FIN, then read until the client closes too (so that nobody gets a reset).</summary>
    async Task CloseGracefullyAsync(NetworkStream stream, LineReader reader)
    {
        try
        {
            stream.Socket.Shutdown(SocketShutdown.Send);
            if (!reader.SawEnd)
                await CancelScope.MoveOnAfter(_options.LingerTimeout).RunAsync(reader.DiscardToEndAsync);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The client is gone already: nothing to be graceful with.
        }
    }

    async Task SayAsync(NetworkStream stream, string line)
    {
        try
        {
            await CancelScope.FailAfter(_options.SendTimeout, async () => await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n")));
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            // A refused client that does not listen: it is closed anyway.
        }
    }

    static void Append(MemoryStream batch, string line)
    {
        var encoded = Encoding.UTF8.GetBytes(line);
        batch.Write(encoded);
        batch.WriteByte((byte)'\n');
    }
}
