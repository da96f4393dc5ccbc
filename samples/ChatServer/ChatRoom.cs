using Structured;

namespace Chat;

/// <summary>
/// The members of the chat and the broadcaster between them. Readers hand lines to the broadcaster through one bounded
/// memory channel (each reader holds a clone of its send end); the broadcaster copies each line into every member's own
/// bounded queue with <c>TrySend</c>, which never waits: a member whose queue is full is dropped, and nobody else waits
/// for it.
/// </summary>
/// <remarks>
/// <see cref="_gate"/> guards the lists and the stopping flag: the server may run on the thread pool, where tasks race.
/// Shutdown: <see cref="Stop"/> closes the room's own send end and stops every reader; once the last reader has closed
/// its clone, the broadcast stream ends, the broadcaster has queued every line that was accepted, says goodbye, and
/// closes each member's queue, so each writer finishes what is queued and ends.
/// </remarks>
internal sealed class ChatRoom
{
    const string Goodbye = "* server shutting down, goodbye";

    readonly Lock _gate = new();
    readonly ChatServerOptions _options;
    readonly List<ChatMember> _connections = [];
    readonly List<ChatMember> _members = [];
    readonly SendChannel<ChatLine> _broadcast;
    readonly ReceiveChannel<ChatLine> _lines;
    bool _stopping;
    long _received, _delivered, _dropped;

    internal ChatRoom(ChatServerOptions options)
    {
        _options = options;
        // Named, so its items and queue length show in the metrics (one name per room: a bounded tag). The members'
        // own queues stay unnamed: a name per member would grow the tag without bound.
        (_broadcast, _lines) = MemoryChannel.Create<ChatLine>(options.BroadcastCapacity, "chat.broadcast");
    }

    public ChatStatistics Statistics(int openConnections)
    {
        lock (_gate)
            return new(Interlocked.Read(ref _received), Interlocked.Read(ref _delivered), Interlocked.Read(ref _dropped), openConnections, _members.Count);
    }

    public void CountReceived() => Interlocked.Increment(ref _received);

    public void CountDelivered(int lines) => Interlocked.Add(ref _delivered, lines);

    /// <summary>A new connection, or null when the server is stopping.</summary>
    public ChatMember? Connect()
    {
        lock (_gate)
        {
            if (_stopping)
                return null;
            var member = new ChatMember(_options.QueueCapacity);
            _connections.Add(member);
            return member;
        }
    }

    /// <summary>Makes the connection a member; returns the nicknames already here, or null when the server is stopping.</summary>
    public List<string>? Join(ChatMember member, string nickname)
    {
        lock (_gate)
        {
            if (_stopping)
                return null;
            member.Nickname = nickname;
            member.Broadcast = _broadcast.Clone();
            var others = _members.Select(m => m.Nickname).ToList();
            _members.Add(member);
            Log($"{nickname} joined ({_members.Count} online)");
            return others;
        }
    }

    /// <summary>The member left (its reader saw the end of its stream): it gets nothing more, its writer finishes the queue.</summary>
    public void Leave(ChatMember member)
    {
        bool was;
        lock (_gate)
            was = _members.Remove(member);
        if (was)
        {
            member.Outgoing.Close();
            Log($"{member} left");
        }
    }

    /// <summary>The connection's task is over: it is forgotten, whatever happened.</summary>
    public void Disconnect(ChatMember member)
    {
        bool was;
        lock (_gate)
        {
            _connections.Remove(member);
            was = _members.Remove(member);
        }
        if (was)
            member.Outgoing.Close();
    }

    /// <summary>Drops a member: its connection is cancelled, the others are told. Safe to call twice.</summary>
    public void Drop(ChatMember member, string reason, bool slow)
    {
        var dropping = new Queue<(ChatMember Member, string Reason, bool Slow)>();
        dropping.Enqueue((member, reason, slow));
        while (dropping.TryDequeue(out var next))
        {
            bool was;
            lock (_gate)
            {
                if (next.Member.DropReason is not null)
                    continue;
                next.Member.DropReason = next.Reason;
                was = _members.Remove(next.Member);
            }
            next.Member.Life.Cancel($"dropped: {next.Reason}");
            if (!was)
                continue;
            next.Member.Outgoing.Close();
            if (next.Slow)
                Interlocked.Increment(ref _dropped);
            Log($"{next.Member} dropped: {next.Reason}");
            // Told directly into the queues (the broadcaster may be the caller): whoever is full now is dropped too.
            foreach (var behind in SendToAll($"* {next.Member} was dropped ({next.Reason})", except: null))
                dropping.Enqueue((behind, FellBehind, true));
        }
    }

    /// <summary>Stops the room: no new members or messages; what was accepted is still delivered.</summary>
    public void Stop()
    {
        List<ChatMember> connections;
        lock (_gate)
        {
            if (_stopping)
                return;
            _stopping = true;
            connections = [.. _connections];
        }
        // No Join can clone it any more (they check _stopping under the lock); the readers' clones keep the stream open.
        _broadcast.Close();
        foreach (var connection in connections)
            connection.Reading.Cancel("the server is stopping");
        Log("stopping: no new connections or messages; delivering what was received");
    }

    /// <summary>The broadcaster: copies each line to every member but its sender, until every reader is done.</summary>
    public async Task BroadcastAsync()
    {
        try
        {
            await foreach (var line in _lines)
            {
                foreach (var behind in SendToAll(line.Render(), except: line.From))
                    Drop(behind, FellBehind, slow: true);
                // Let the writers run between two lines: a burst must not fill a queue whose writer never got a turn. A full
                // queue then means a writer stuck in a write, not one that waited for the broadcaster.
                await Checkpoint.YieldAsync();
            }
        }
        finally
        {
            // On a hard cancel, readers blocked handing over a line get BrokenResourceException instead of waiting forever.
            _lines.Close();
        }
        // The stream ended: every line accepted is in the members' queues. Say goodbye and let the writers finish.
        List<ChatMember> members;
        lock (_gate)
        {
            members = [.. _members];
            _members.Clear();
        }
        foreach (var member in members)
        {
            member.Outgoing.TrySend(Goodbye);
            member.Outgoing.Close();
        }
    }

    string FellBehind => $"fell behind: {_options.QueueCapacity} lines were waiting for it";

    /// <summary>TrySend to every member but <paramref name="except"/>; returns those whose queue is full.</summary>
    List<ChatMember> SendToAll(string text, ChatMember? except)
    {
        List<ChatMember> behind = [];
        lock (_gate)
        {
            foreach (var member in _members)
            {
                if (!ReferenceEquals(member, except) && !member.Outgoing.TrySend(text))
                    behind.Add(member);
            }
        }
        return behind;
    }

    void Log(string text) => _options.Log?.Invoke(text);
}
