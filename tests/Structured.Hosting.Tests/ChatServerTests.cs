using Chat;

namespace HostingTests;

/// <summary>The chat server sample, in-process over loopback: many clients, broken clients, slow clients, shutdown.</summary>
public class ChatServerTests
{
    /// <summary>Polls <paramref name="condition"/> on the loop; TimeoutException after the hang guard (minutes: a hang, never a slow run).</summary>
    static async Task UntilAsync(Func<bool> condition, string what)
    {
        var guard = CancelScope.MoveOnAfter(RealTime.HangGuard);
        await guard.RunAsync(async () =>
        {
            while (!condition())
                await Time.SleepAsync(TimeSpan.FromMilliseconds(5));
        });
        if (guard.CancelledCaught)
            throw new TimeoutException($"waited {RealTime.HangGuard} (the hang guard) for {what}");
    }

    /// <summary>Runs a chat server on the loop, the scenario against it, then stops it gracefully.</summary>
    static ChatStatistics WithServer(ChatServerOptions options, Func<ChatServer, int, Task> scenario)
    {
        var server = new ChatServer(options);
        RealTime.OnLoop(async () =>
        {
            await CancelScope.FailAfter(RealTime.HangGuard, () => Nursery.RunAsync(async root =>
            {
                int port = await root.StartAsync<int>(started => server.RunAsync(started), "chat server");
                await scenario(server, port);
                server.Stop();
            }));
        });
        return server.Statistics;
    }

    [Fact]
    public void A_hundred_clients_chat_and_each_receives_every_message_of_the_others_in_order()
    {
        const int Clients = 100, Messages = 10;
        var everyone = new List<Participant>();
        var stats = WithServer(new ChatServerOptions(), async (server, port) =>
        {
            for (int i = 0; i < Clients; i++)
                everyone.Add(new Participant(await ChatClient.ConnectAsync(port, $"c{i}")));
            await UntilAsync(() => server.Statistics.Members == Clients, "every client to join");
            await Nursery.RunAsync(async clients =>
            {
                foreach (var p in everyone)
                {
                    clients.StartSoon(p.ReceiveAllAsync, $"{p.Name} receiving");
                    clients.StartSoon(async () =>
                    {
                        for (int k = 0; k < Messages; k++)
                        {
                            await p.Client.SendAsync($"{p.Name}-{k}");
                            p.Sent++;
                        }
                    }, $"{p.Name} sending");
                }
                await UntilAsync(() => server.Statistics.Received == Clients * Messages, "every message to arrive");
                await UntilAsync(() => everyone.All(p => p.Lines.Count(l => !l.StartsWith('*')) == (Clients - 1) * Messages), "every message to be delivered");
                server.Stop(); // each participant then gets the goodbye and the end of the stream
            });
            foreach (var p in everyone)
                await p.Client.DisposeAsync();
        });
        Assert.Equal(Clients * Messages, stats.Received);
        Assert.Equal(0, stats.Dropped);
        Assert.Equal(0, stats.OpenConnections);
        Assert.All(everyone, p => Assert.True(p.SawGoodbye && p.SawEnd && !p.WasReset));
        Participant.AssertEveryAcceptedMessageWasDelivered(everyone, stats.Received);
    }

    [Fact]
    public void Clients_that_disconnect_in_the_middle_of_a_message_lose_only_the_partial_line()
    {
        var bobSaw = new List<string>();
        var stats = WithServer(new ChatServerOptions(), async (server, port) =>
        {
            await using var bob = await ChatClient.ConnectAsync(port, "bob");
            async Task<string> NextAsync()
            {
                var line = await CancelScope.FailAfter(RealTime.HangGuard, async () => await bob.ReceiveAsync()) ?? throw new InvalidOperationException("bob was disconnected");
                bobSaw.Add(line);
                return line;
            }
            await NextAsync(); // welcome

            // Half a nickname, then gone: never joins.
            var shy = await Tcp.ConnectAsync("127.0.0.1", port);
            await shy.WriteAsync("sh"u8.ToArray());
            await shy.DisposeAsync();

            // A full line, then half a line, then a clean close (FIN).
            var mallory = await ChatClient.ConnectAsync(port, "mallory");
            Assert.Equal("* mallory joined", await NextAsync());
            await mallory.SendAsync("hello");
            Assert.Equal("mallory: hello", await NextAsync());
            await mallory.SendRawAsync("partial mess");
            await mallory.DisposeAsync();
            Assert.Equal("* mallory left", await NextAsync());

            // A full line, then half a line, then a crash (RST).
            var eve = await ChatClient.ConnectAsync(port, "eve");
            Assert.Equal("* eve joined", await NextAsync());
            await eve.SendAsync("hi");
            Assert.Equal("eve: hi", await NextAsync());
            await eve.SendRawAsync("half a");
            eve.Abort();
            // The reset surfaces as an error on the server's read (usually), or as the end if it read everything first.
            Assert.Matches(@"^\* eve (was dropped \(connection lost\)|left)$", await NextAsync());

            // The server carries on.
            await using var alice = await ChatClient.ConnectAsync(port, "alice");
            Assert.Equal("* alice joined", await NextAsync());
            await alice.SendAsync("still here?");
            Assert.Equal("alice: still here?", await NextAsync());
        });
        Assert.DoesNotContain(bobSaw, l => l.Contains("partial", StringComparison.Ordinal) || l.Contains("half", StringComparison.Ordinal) || l.Contains("sh joined", StringComparison.Ordinal));
        Assert.Equal(3, stats.Received); // hello, hi, still here?
        Assert.Equal(0, stats.OpenConnections);
    }

    [Fact]
    public void A_client_that_never_reads_is_dropped_and_does_not_slow_the_others()
    {
        // No durations: the send timeout is out of reach (a hang guard), so dave, who never reads, is dropped by count
        // (his queue of QueueCapacity lines fills), and alice has the whole paste while dave still holds the server's
        // writes up: had anybody waited for dave, alice would not get it and the hang guard would fail the test.
        const int PasteLines = 300, QueueCapacity = 400;
        int aliceGotPasteAt = -1, aliceSawDropAt = -1;
        string? dropNotice = null;
        var options = new ChatServerOptions { SendTimeout = RealTime.HangGuard, SocketSendBufferSize = 8 * 1024, QueueCapacity = QueueCapacity };
        var stats = WithServer(options, async (server, port) =>
        {
            var alice = new Participant(await ChatClient.ConnectAsync(port, "alice"));
            await using var carol = await ChatClient.ConnectAsync(port, "carol");
            await using var dave = await ChatClient.ConnectAsync(port, "dave", receiveBufferSize: 4096);
            await UntilAsync(() => server.Statistics.Members == 3, "everyone to join");
            await Nursery.RunAsync(async clients =>
            {
                clients.StartSoon(alice.ReceiveAllAsync, "alice receiving");
                for (int i = 0; i < PasteLines; i++)
                    await carol.SendAsync($"paste {i:000} " + new string('x', 1000));
                await UntilAsync(() => alice.From("carol").Count() == PasteLines, "alice to receive the paste");
                Assert.Equal(0, server.Statistics.Dropped); // dave is still there, his writes stuck: alice did not wait for him
                // One line at a time, each waited for at alice: her queue stays short while dave's grows until it overflows.
                for (int i = 0; server.Statistics.Dropped == 0; i++)
                {
                    await carol.SendAsync($"more {i:000} " + new string('x', 1000));
                    await UntilAsync(() => alice.From("carol").Count() == PasteLines + i + 1 || server.Statistics.Dropped > 0, "alice to receive the next line");
                }
                await UntilAsync(() => alice.Lines.Any(l => l.StartsWith("* dave was dropped", StringComparison.Ordinal)), "alice to hear of it");
                aliceGotPasteAt = alice.Lines.FindIndex(l => l.StartsWith($"carol: paste {PasteLines - 1}", StringComparison.Ordinal));
                aliceSawDropAt = alice.Lines.FindIndex(l => l.StartsWith("* dave was dropped", StringComparison.Ordinal));
                dropNotice = alice.Lines[aliceSawDropAt];
                server.Stop();
            });
            await alice.Client.DisposeAsync();
        });
        Assert.Equal(1, stats.Dropped);
        Assert.True(stats.Received > PasteLines);
        Assert.True(aliceGotPasteAt >= 0 && aliceGotPasteAt < aliceSawDropAt, $"paste at {aliceGotPasteAt}, drop at {aliceSawDropAt}");
        Assert.Equal($"* dave was dropped (fell behind: {QueueCapacity} lines were waiting for it)", dropNotice);
        Assert.Equal(0, stats.OpenConnections);
    }

    [Fact]
    public void Stop_delivers_every_accepted_message_says_goodbye_and_closes_cleanly()
    {
        var everyone = new List<Participant>();
        var stats = WithServer(new ChatServerOptions(), async (server, port) =>
        {
            foreach (var name in new[] { "alice", "bob", "carol" })
                everyone.Add(new Participant(await ChatClient.ConnectAsync(port, name)));
            await UntilAsync(() => server.Statistics.Members == 3, "everyone to join");
            await Nursery.RunAsync(async clients =>
            {
                foreach (var p in everyone)
                {
                    clients.StartSoon(p.ReceiveAllAsync, $"{p.Name} receiving");
                    clients.StartSoon(async () =>
                    {
                        // Keeps talking until the goodbye: the stop lands in the middle of the traffic.
                        try
                        {
                            while (!p.SawGoodbye && !p.SawEnd)
                            {
                                await p.Client.SendAsync($"{p.Name}-{p.Sent}");
                                p.Sent++;
                                if (p.Sent % 10 == 0)
                                    await Time.SleepAsync(TimeSpan.FromMilliseconds(1));
                            }
                        }
                        catch (IOException)
                        {
                        }
                        p.Client.ShutdownSend();
                    }, $"{p.Name} sending");
                }
                await UntilAsync(() => server.Statistics.Received > 300, "some traffic");
                server.Stop();
            });
            foreach (var p in everyone)
                await p.Client.DisposeAsync();
        });
        Assert.True(stats.Received > 300);
        Assert.Equal(0, stats.OpenConnections);
        Assert.All(everyone, p => Assert.True(p.SawGoodbye && p.SawEnd && !p.WasReset, $"{p.Name}: goodbye {p.SawGoodbye}, end {p.SawEnd}, reset {p.WasReset}"));
        Assert.All(everyone, p => Assert.Equal("* server shutting down, goodbye", p.Lines[^1]));
        Participant.AssertEveryAcceptedMessageWasDelivered(everyone, stats.Received);
    }

    [Fact]
    public void Cancelling_the_server_is_the_hard_stop_every_connection_is_closed()
    {
        var server = new ChatServer();
        bool ended = false;
        RealTime.OnLoop(async () =>
        {
            await Nursery.RunAsync(async root =>
            {
                int port = await root.StartAsync<int>(started => server.RunAsync(started), "chat server");
                var alice = new Participant(await ChatClient.ConnectAsync(port, "alice"));
                await UntilAsync(() => server.Statistics.Members == 1, "alice to join");
                root.CancelScope.Cancel("hard stop");
                // This body is cancelled too: read what is left in a shielded scope, bounded by its own deadline.
                await new CancelScope(deadline: Time.Now + RealTime.HangGuard, shield: true).RunAsync(alice.ReceiveAllAsync);
                ended = alice.SawEnd || alice.WasReset;
                await alice.Client.DisposeAsync();
            });
        });
        Assert.True(ended);
        Assert.Equal(0, server.Statistics.OpenConnections);
    }
}
