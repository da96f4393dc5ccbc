using System.Runtime.CompilerServices;
using System.Net;
using System.Net.Sockets;

namespace Structured;

/// <summary>
/// TCP for structured programs (Trio's <c>serve_tcp</c> and <c>open_tcp_stream</c>): a server whose connections are
/// child tasks of a nursery, and a Happy Eyeballs client connect. Cancellation is the ambient cancel scope's.
/// </summary>
/// <remarks>
/// <para>The streams handed out are <see cref="NetworkStream"/>s that own their socket, with <c>TCP_NODELAY</c> set (as
/// Trio does: small messages go out at once). Their asynchronous reads and writes obey the ambient cancel scope even
/// when given no token, and a cancelled read or write throws <see cref="Cancelled"/>.</para>
/// </remarks>
/// <example>
/// <code>
/// await Nursery.RunAsync(async nursery =>
/// {
///     int port = await nursery.StartAsync&lt;int&gt;(started => Tcp.ServeAsync(EchoAsync, 0, started, IPAddress.Loopback));
///     await using var client = await Tcp.ConnectAsync("localhost", port);
///     // ...
///     nursery.CancelScope.Cancel();   // stops the server and closes its connections
/// });
///
/// static async Task EchoAsync(NetworkStream stream) => await stream.CopyToAsync(stream);
/// </code>
/// </example>
public static class Tcp
{
    /// <summary>The delay between two connection attempts of <see cref="ConnectAsync(string, int, TimeSpan?)"/>: 250 ms, RFC 8305's recommendation.</summary>
    public static TimeSpan DefaultHappyEyeballsDelay { get; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Opens a listening socket on <paramref name="port"/> of <paramref name="address"/>, with the largest backlog the
    /// system allows.
    /// </summary>
    /// <param name="port">The port; 0 picks a free one (read it from the socket's <see cref="Socket.LocalEndPoint"/>).</param>
    /// <param name="address">The address to listen on; null (the default) for every interface, IPv6 and IPv4 where the system has both.</param>
    /// <returns>The listening socket; the caller owns it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not between 0 and 65535.</exception>
    /// <exception cref="SocketException">The address cannot be bound (the port is taken, the address is not local).</exception>
    public static Socket Listen(int port, IPAddress? address = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        address ??= Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            // Trio's choice too: a restarted server can bind at once, instead of waiting for TIME_WAIT to pass.
            if (!OperatingSystem.IsWindows())
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen();
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Listens on <paramref name="port"/> and runs <paramref name="handler"/> for each connection, as a child task, until
    /// cancelled (Trio's <c>serve_tcp</c>). Reports the bound port through <paramref name="started"/>.
    /// </summary>
    /// <param name="handler">Serves one connection; the stream is closed when it returns or throws.</param>
    /// <param name="port">The port; 0 picks a free one, reported through <paramref name="started"/>.</param>
    /// <param name="started">From <c>nursery.StartAsync&lt;int&gt;</c>: gets the bound port once the server accepts connections; null when not needed.</param>
    /// <param name="address">The address to listen on; null (the default) for every interface.</param>
    /// <param name="handlerNursery">
    /// Where the connection tasks run; null (the default) for a nursery of this call, so that cancelling the call
    /// cancels them too. Give a nursery of your own to let connections finish after the server stops accepting.
    /// </param>
    /// <returns>A task that never completes normally: it ends with the cancellation (or an error) that stops the server.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not between 0 and 65535.</exception>
    /// <exception cref="SocketException">The port cannot be bound (thrown before <c>Started</c>: out of <c>StartAsync</c>).</exception>
    /// <exception cref="Cancelled">The server was cancelled: the listener is closed, and so are the connections of its own nursery.</exception>
    /// <exception cref="AggregateException">A handler failed (when the connections run in this call's nursery): as in Trio, a handler's error stops the server; catch inside the handler what a connection may throw.</exception>
    public static async Task ServeAsync(Func<NetworkStream, Task> handler, int port, IStarted<int>? started = null, IPAddress? address = null, Nursery? handlerNursery = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Checkpoint.ThrowIfCancelled();
        using var listener = Listen(port, address);
        await ServeAsync(handler, listener, started, handlerNursery);
    }

    /// <summary>Listens on <paramref name="port"/> and runs <paramref name="handler"/>, a <see cref="ValueTask"/>-returning function, for each connection; as <see cref="ServeAsync(Func{NetworkStream, Task}, int, IStarted{int}?, IPAddress?, Nursery?)"/>.</summary>
    /// <param name="handler">Serves one connection; the stream is closed when it returns or throws.</param>
    /// <param name="port">The port; 0 picks a free one, reported through <paramref name="started"/>.</param>
    /// <param name="started">Gets the bound port once the server accepts connections; null when not needed.</param>
    /// <param name="address">The address to listen on; null (the default) for every interface.</param>
    /// <param name="handlerNursery">Where the connection tasks run; null (the default) for a nursery of this call.</param>
    /// <returns>A task that never completes normally: it ends with the cancellation (or an error) that stops the server.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not between 0 and 65535.</exception>
    /// <exception cref="SocketException">The port cannot be bound.</exception>
    /// <exception cref="Cancelled">The server was cancelled.</exception>
    /// <exception cref="AggregateException">A handler of this call's own nursery failed.</exception>
    [OverloadResolutionPriority(-1)]
    public static Task ServeAsync(Func<NetworkStream, ValueTask> handler, int port, IStarted<int>? started = null, IPAddress? address = null, Nursery? handlerNursery = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return ServeAsync(stream => handler(stream).AsTask(), port, started, address, handlerNursery);
    }

    /// <summary>
    /// Accepts connections on <paramref name="listener"/> and runs <paramref name="handler"/> for each, as a child task,
    /// until cancelled (Trio's <c>serve_listeners</c>). The listener stays open: its owner closes it.
    /// </summary>
    /// <param name="handler">Serves one connection; the stream is closed when it returns or throws.</param>
    /// <param name="listener">A listening socket, such as one from <see cref="Listen"/>.</param>
    /// <param name="started">Gets the listener's port once connections are accepted; null when not needed.</param>
    /// <param name="handlerNursery">Where the connection tasks run; null (the default) for a nursery of this call.</param>
    /// <returns>A task that never completes normally: it ends with the cancellation (or an error) that stops the server.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> or <paramref name="listener"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="listener"/> is not bound to an IP endpoint.</exception>
    /// <exception cref="Cancelled">The server was cancelled.</exception>
    /// <exception cref="AggregateException">A handler of this call's own nursery failed.</exception>
    /// <remarks>
    /// Running out of file descriptors or buffers while accepting does not stop the server: it waits 100 ms and tries
    /// again (Trio's rule), since closing connections frees them.
    /// </remarks>
    public static async Task ServeAsync(Func<NetworkStream, Task> handler, Socket listener, IStarted<int>? started = null, Nursery? handlerNursery = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(listener);
        if (listener.LocalEndPoint is not IPEndPoint endpoint)
            throw new ArgumentException("Tcp.ServeAsync needs a listening socket bound to an IP endpoint; make one with Tcp.Listen(port).", nameof(listener));
        if (handlerNursery is not null)
        {
            started?.Started(endpoint.Port);
            await AcceptLoopAsync(handler, listener, handlerNursery);
            return;
        }
        await Nursery.RunAsync(async connections =>
        {
            started?.Started(endpoint.Port);
            await AcceptLoopAsync(handler, listener, connections);
        });
    }

    /// <summary>Accepts connections on <paramref name="listener"/> and runs <paramref name="handler"/>, a <see cref="ValueTask"/>-returning function, for each; as <see cref="ServeAsync(Func{NetworkStream, Task}, Socket, IStarted{int}?, Nursery?)"/>.</summary>
    /// <param name="handler">Serves one connection; the stream is closed when it returns or throws.</param>
    /// <param name="listener">A listening socket, such as one from <see cref="Listen"/>.</param>
    /// <param name="started">Gets the listener's port once connections are accepted; null when not needed.</param>
    /// <param name="handlerNursery">Where the connection tasks run; null (the default) for a nursery of this call.</param>
    /// <returns>A task that never completes normally: it ends with the cancellation (or an error) that stops the server.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> or <paramref name="listener"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="listener"/> is not bound to an IP endpoint.</exception>
    /// <exception cref="Cancelled">The server was cancelled.</exception>
    /// <exception cref="AggregateException">A handler of this call's own nursery failed.</exception>
    [OverloadResolutionPriority(-1)]
    public static Task ServeAsync(Func<NetworkStream, ValueTask> handler, Socket listener, IStarted<int>? started = null, Nursery? handlerNursery = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return ServeAsync(stream => handler(stream).AsTask(), listener, started, handlerNursery);
    }

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/> with Happy Eyeballs (RFC 8305, Trio's
    /// <c>open_tcp_stream</c>): the addresses of the name, IPv6 and IPv4 interleaved, are tried one after another,
    /// each <paramref name="happyEyeballsDelay"/> after the previous or as soon as it fails; the first to connect wins,
    /// and the attempts still running are cancelled and their sockets closed.
    /// </summary>
    /// <param name="host">A host name or an IP address literal.</param>
    /// <param name="port">The port, 1 to 65535.</param>
    /// <param name="happyEyeballsDelay">How long an attempt runs alone before the next starts; null (the default) for <see cref="DefaultHappyEyeballsDelay"/> (250 ms); <see cref="Timeout.InfiniteTimeSpan"/> starts the next attempt only when the previous one failed.</param>
    /// <returns>The connected stream; the caller owns it.</returns>
    /// <exception cref="ArgumentException"><paramref name="host"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not between 1 and 65535, or <paramref name="happyEyeballsDelay"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    /// <exception cref="SocketException">The name did not resolve to any address.</exception>
    /// <exception cref="AggregateException">Every attempt failed: one <see cref="SocketException"/> per address, in the order they failed.</exception>
    /// <exception cref="Cancelled">The code was cancelled: every attempt was cancelled and its socket closed.</exception>
    public static async Task<NetworkStream> ConnectAsync(string host, int port, TimeSpan? happyEyeballsDelay = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        var delay = HappyEyeballsDelay(happyEyeballsDelay);
        Checkpoint.ThrowIfCancelled();
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            var token = CancelScope.CurrentToken;
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Checkpoint.ThrowIfCancelled();
                throw;
            }
            if (addresses.Length == 0)
                throw new SocketException((int)SocketError.HostNotFound);
        }
        return await HappyEyeballs.ConnectAsync(HappyEyeballs.Interleave(addresses).Select(a => new IPEndPoint(a, port)).ToList(), delay);
    }

    /// <summary>
    /// Connects to the first of <paramref name="endpoints"/> that answers, with Happy Eyeballs: attempts in the given
    /// order, each <paramref name="happyEyeballsDelay"/> after the previous or as soon as it fails; the first success
    /// wins, the other attempts are cancelled and their sockets closed.
    /// </summary>
    /// <param name="endpoints">The endpoints in order of preference, at least one.</param>
    /// <param name="happyEyeballsDelay">How long an attempt runs alone before the next starts; null (the default) for 250 ms; <see cref="Timeout.InfiniteTimeSpan"/> starts the next attempt only when the previous one failed.</param>
    /// <returns>The connected stream; the caller owns it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/> is null or holds null.</exception>
    /// <exception cref="ArgumentException"><paramref name="endpoints"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="happyEyeballsDelay"/> is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>).</exception>
    /// <exception cref="AggregateException">Every attempt failed: one <see cref="SocketException"/> per endpoint, in the order they failed.</exception>
    /// <exception cref="Cancelled">The code was cancelled: every attempt was cancelled and its socket closed.</exception>
    public static Task<NetworkStream> ConnectAsync(IReadOnlyList<IPEndPoint> endpoints, TimeSpan? happyEyeballsDelay = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Count == 0)
            throw new ArgumentException("Tcp.ConnectAsync needs at least one endpoint to connect to.", nameof(endpoints));
        foreach (var endpoint in endpoints)
            ArgumentNullException.ThrowIfNull(endpoint, nameof(endpoints));
        var delay = HappyEyeballsDelay(happyEyeballsDelay);
        return HappyEyeballs.ConnectAsync(endpoints, delay);
    }

    /// <summary>The delay a <c>ConnectAsync</c> was given, or the default; checked: zero or more, or <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    static TimeSpan HappyEyeballsDelay(TimeSpan? happyEyeballsDelay)
    {
        var delay = happyEyeballsDelay ?? DefaultHappyEyeballsDelay;
        if (delay < TimeSpan.Zero && delay != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(happyEyeballsDelay), delay, "Tcp.ConnectAsync: the Happy Eyeballs delay must be zero or more, or Timeout.InfiniteTimeSpan to try the next address only once the previous attempt failed.");
        return delay;
    }

    static async Task AcceptLoopAsync(Func<NetworkStream, Task> handler, Socket listener, Nursery connections)
    {
        while (true)
        {
            // A checkpoint per connection: a flood of pending connections cannot starve the loop.
            await Checkpoint.YieldAsync();
            var token = CancelScope.CurrentToken;
            Socket client;
            try
            {
                client = await listener.AcceptAsync(token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Checkpoint.ThrowIfCancelled();
                throw;
            }
            catch (SocketException e) when (IsResourceShortage(e.SocketErrorCode))
            {
                await Time.SleepAsync(TimeSpan.FromMilliseconds(100));
                continue;
            }
            NetworkStream stream;
            try
            {
                client.NoDelay = true;
                stream = new ScopedNetworkStream(client);
            }
            catch
            {
                client.Dispose();
                throw;
            }
            try
            {
                connections.StartSoon(() => ServeConnectionAsync(handler, stream), $"tcp connection from {client.RemoteEndPoint}");
            }
            catch
            {
                await stream.DisposeAsync();
                throw;
            }
        }
    }

    static async Task ServeConnectionAsync(Func<NetworkStream, Task> handler, NetworkStream stream)
    {
        try
        {
            await (handler(stream) ?? throw new InvalidOperationException("The Tcp.ServeAsync handler returned a null Task; return the Task of an async method."));
        }
        finally
        {
            stream.Dispose();
        }
    }

    static bool IsResourceShortage(SocketError error)
        => error is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable;
}
