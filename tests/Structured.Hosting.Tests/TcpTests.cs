using System.Diagnostics;
using System.Text;

namespace HostingTests;

/// <summary>Tcp.ServeAsync and Tcp.ConnectAsync (Happy Eyeballs) over loopback, on a loop with the real clock.</summary>
public class TcpTests
{
    static async Task EchoAsync(NetworkStream stream)
    {
        var buffer = new byte[1024];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
            await stream.WriteAsync(buffer.AsMemory(0, read));
    }

    static async Task<string> ReadSomeAsync(NetworkStream stream)
    {
        var buffer = new byte[1024];
        int read = await stream.ReadAsync(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    [Fact]
    public void ServeAsync_reports_the_bound_port_and_serves_each_connection_as_a_child_task()
    {
        int port = 0;
        string tree = "";
        var replies = new List<string>();
        RealTime.OnLoop(async () =>
        {
            await CancelScope.FailAfter(RealTime.HangGuard, () => Nursery.RunAsync(async nursery =>
            {
                port = await nursery.StartAsync<int>(started => Tcp.ServeAsync(EchoAsync, 0, started, IPAddress.Loopback), "echo server");
                var clients = new List<NetworkStream>();
                for (int i = 0; i < 3; i++)
                {
                    var client = await Tcp.ConnectAsync("127.0.0.1", port);
                    clients.Add(client);
                    await client.WriteAsync(Encoding.UTF8.GetBytes($"hello {i}"));
                    replies.Add(await ReadSomeAsync(client));
                }
                tree = Loop.Current!.DumpTaskTree();
                nursery.CancelScope.Cancel("test over");
                foreach (var client in clients)
                    await client.DisposeAsync();
            }));
        });
        Assert.NotEqual(0, port);
        Assert.Equal(["hello 0", "hello 1", "hello 2"], replies);
        Assert.Equal(3, tree.Split("task 'tcp connection from 127.0.0.1:").Length - 1);
        // Cancelled: the listener is closed.
        using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = Assert.Throws<SocketException>(() => late.Connect(IPAddress.Loopback, port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public void A_read_given_no_token_obeys_the_ambient_cancel_scope_and_throws_Cancelled()
    {
        Exception? seen = null;
        bool caught = false;
        string reply = "";
        RealTime.OnLoop(async () =>
        {
            await Nursery.RunAsync(async nursery =>
            {
                int port = await nursery.StartAsync<int>(started => Tcp.ServeAsync(async stream =>
                {
                    var scope = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(100));
                    await scope.RunAsync(async () =>
                    {
                        try
                        {
                            await stream.ReadAsync(new byte[16]); // no token: the stream uses the scope's
                        }
                        catch (Exception e)
                        {
                            seen = e;
                            throw;
                        }
                    });
                    caught = scope.CancelledCaught;
                    await stream.WriteAsync("gave up"u8.ToArray());
                }, 0, started, IPAddress.Loopback));
                await using var client = await Tcp.ConnectAsync("127.0.0.1", port);
                reply = await CancelScope.FailAfter(RealTime.HangGuard, () => ReadSomeAsync(client));
                nursery.CancelScope.Cancel();
            });
        });
        Assert.IsType<Cancelled>(seen);
        Assert.Contains("deadline", ((Cancelled)seen!).Reason);
        Assert.True(caught);
        Assert.Equal("gave up", reply);
    }

    [Fact]
    public void Connections_in_a_handler_nursery_outlive_the_accept_loop()
    {
        string reply = "";
        int port = 0;
        SocketError lateConnect = SocketError.Success;
        RealTime.OnLoop(async () =>
        {
            await Nursery.RunAsync(async connections =>
            {
                var accepting = new CancelScope();
                var started = new TaskCompletionSource<int>();
                connections.StartSoon(() => accepting.RunAsync(() => Tcp.ServeAsync(EchoAsync, 0, new PortReporter(started), IPAddress.Loopback, handlerNursery: connections)), "accept loop");
                port = await started.Task;
                await using var client = await Tcp.ConnectAsync("127.0.0.1", port);
                await client.WriteAsync("one"u8.ToArray());
                Assert.Equal("one", await ReadSomeAsync(client));
                accepting.Cancel("no new connections");
                // Until the accept loop has ended (its listener closed), however long that takes: an order, not a duration.
                while (connections.Children.Any(c => c.Name == "accept loop"))
                    await Time.SleepAsync(TimeSpan.FromMilliseconds(5));
                try
                {
                    await using var late = await Tcp.ConnectAsync("127.0.0.1", port);
                }
                catch (AggregateException e)
                {
                    lateConnect = e.Find<SocketException>().Single().SocketErrorCode;
                }
                await client.WriteAsync("still here"u8.ToArray());
                reply = await ReadSomeAsync(client);
                client.Socket.Shutdown(SocketShutdown.Send); // the echo handler sees the end and returns
            });
        });
        Assert.Equal("still here", reply);
        Assert.Equal(SocketError.ConnectionRefused, lateConnect);
    }

    /// <summary>An IStarted for tests that start a server without nursery.StartAsync.</summary>
    sealed class PortReporter(TaskCompletionSource<int> port) : IStarted<int>
    {
        public void Started(int value) => port.SetResult(value);
    }

    [Fact]
    public void Happy_eyeballs_takes_the_first_connection_and_closes_the_losers()
    {
        using var first = Endpoints.Listener(out var firstEndpoint);
        using var second = Endpoints.Listener(out var secondEndpoint);
        IPEndPoint? winner = null;
        var loserEnds = new List<int>();
        RealTime.OnLoop(async () =>
        {
            // No delay: both attempts start at once and both may connect; one wins, the other must be closed.
            await using var stream = await Tcp.ConnectAsync([firstEndpoint, secondEndpoint], TimeSpan.Zero);
            winner = (IPEndPoint)stream.Socket.RemoteEndPoint!;
            var loser = winner.Equals(firstEndpoint) ? second : first;
            // Whatever the loser's listener accepted was closed by us: reading it ends (0 bytes, or a reset).
            await CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(500)).RunAsync(async () =>
            {
                while (true)
                {
                    using var accepted = await loser.AcceptAsync(CancelScope.CurrentToken);
                    try
                    {
                        loserEnds.Add(await CancelScope.FailAfter(RealTime.HangGuard, async () => await accepted.ReceiveAsync(new byte[1])));
                    }
                    catch (SocketException)
                    {
                        loserEnds.Add(0);
                    }
                }
            });
        });
        Assert.Contains(winner, new[] { firstEndpoint, secondEndpoint });
        Assert.All(loserEnds, received => Assert.Equal(0, received));
    }

    [Fact]
    public void An_attempt_that_gets_no_answer_is_raced_by_the_next_one_after_the_delay()
    {
        using var blackhole = Endpoints.Blackholed();
        using var good = Endpoints.Listener(out var goodEndpoint);
        IPEndPoint? connectedTo = null;
        TimeSpan took = default;
        RealTime.OnLoop(async () =>
        {
            var start = Stopwatch.GetTimestamp();
            await using var stream = await Tcp.ConnectAsync([blackhole.Endpoint, goodEndpoint], TimeSpan.FromMilliseconds(150));
            took = RealTime.Since(start);
            connectedTo = (IPEndPoint)stream.Socket.RemoteEndPoint!;
        });
        Assert.Equal(goodEndpoint, connectedTo);
        // At least the delay (a timer never fires early); at most far less than the kernel's connect timeout to the
        // black hole (two minutes), which is what waiting for the first attempt would take.
        Assert.InRange(took, TimeSpan.FromMilliseconds(140), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void A_refused_attempt_starts_the_next_at_once_without_waiting_for_the_delay()
    {
        using var good = Endpoints.Listener(out var goodEndpoint);
        IPEndPoint? connectedTo = null;
        RealTime.OnLoop(async () =>
        {
            // A delay of hours: waiting for it would hit the harness's hang guard, so no duration is asserted.
            await using var stream = await Tcp.ConnectAsync([Endpoints.Refusing(), goodEndpoint], TimeSpan.FromHours(1));
            connectedTo = (IPEndPoint)stream.Socket.RemoteEndPoint!;
        });
        Assert.Equal(goodEndpoint, connectedTo);
    }

    [Fact]
    public void When_every_attempt_fails_every_error_comes_out()
    {
        Exception? error = null;
        RealTime.OnLoop(async () => error = await Catch(() => Tcp.ConnectAsync([Endpoints.Refusing(), Endpoints.Refusing()])));
        var group = Assert.IsType<AggregateException>(error);
        Assert.Equal(2, group.InnerExceptions.Count);
        Assert.All(group.InnerExceptions, e => Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(e).SocketErrorCode));
    }

    [Fact]
    public void Cancelling_a_connect_cancels_every_attempt()
    {
        using var one = Endpoints.Blackholed();
        bool caught = false;
        TimeSpan took = default;
        RealTime.OnLoop(async () =>
        {
            var start = Stopwatch.GetTimestamp();
            var scope = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(200));
            await scope.RunAsync(async () => await Tcp.ConnectAsync([one.Endpoint, one.Endpoint], TimeSpan.FromMilliseconds(50)));
            took = RealTime.Since(start);
            caught = scope.CancelledCaught;
        });
        Assert.True(caught);
        Assert.InRange(took, TimeSpan.FromMilliseconds(190), TimeSpan.FromSeconds(60)); // the scope's 200 ms, not the kernel's two minutes
    }

    [Fact]
    public void ConnectAsync_resolves_a_name_and_fails_over_between_its_addresses()
    {
        using var listener = Endpoints.Listener(out var endpoint);
        IPEndPoint? connectedTo = null;
        RealTime.OnLoop(async () =>
        {
            // "localhost" is often ::1 first, where nothing listens: refused, then 127.0.0.1 at once.
            await using var stream = await Tcp.ConnectAsync("localhost", endpoint.Port);
            connectedTo = (IPEndPoint)stream.Socket.RemoteEndPoint!;
        });
        Assert.Equal(endpoint.Port, connectedTo!.Port);
    }

    [Fact]
    public void Addresses_are_interleaved_by_family_starting_with_the_first()
    {
        IPAddress v4a = IPAddress.Parse("192.0.2.1"), v4b = IPAddress.Parse("192.0.2.2"), v4c = IPAddress.Parse("192.0.2.3");
        IPAddress v6a = IPAddress.Parse("2001:db8::1"), v6b = IPAddress.Parse("2001:db8::2");
        Assert.Equal([v6a, v4a, v6b, v4b, v4c], HappyEyeballs.Interleave([v6a, v6b, v4a, v4b, v4c]));
        Assert.Equal([v4a, v6a, v4b, v6b, v4c], HappyEyeballs.Interleave([v4a, v4b, v4c, v6a, v6b]));
    }

    [Fact]
    public async Task Arguments_are_checked()
    {
        Assert.Throws<ArgumentException>(() => { _ = Tcp.ConnectAsync([]); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Tcp.ConnectAsync([Endpoints.Refusing()], TimeSpan.FromSeconds(-1)); });
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Tcp.ConnectAsync("localhost", 0));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Tcp.ServeAsync(null!, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tcp.Listen(70000));
    }
}
