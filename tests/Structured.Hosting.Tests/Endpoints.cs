namespace HostingTests;

/// <summary>Loopback endpoints that behave as a test needs: listening, refusing, or never answering.</summary>
internal static class Endpoints
{
    /// <summary>A listener on 127.0.0.1 and a free port.</summary>
    internal static Socket Listener(out IPEndPoint endpoint)
    {
        var listener = Tcp.Listen(0, IPAddress.Loopback);
        endpoint = (IPEndPoint)listener.LocalEndPoint!;
        return listener;
    }

    /// <summary>An endpoint with nothing listening: a connect is refused at once.</summary>
    internal static IPEndPoint Refusing()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }

    /// <summary>
    /// A loopback endpoint that never answers: a listener whose accept queue is full drops new SYNs (Linux), so a connect
    /// hangs as with a black-holed address, without leaving the machine. Dispose the result to release it.
    /// </summary>
    internal static Blackhole Blackholed()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = new List<Socket>();
        for (int i = 0; i < 16; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            fillers.Add(filler);
            var connect = filler.ConnectAsync(endpoint);
            // Linux keeps backlog + 1 = one connection: the first connect fills the queue and must complete, however
            // slow the machine; the second is dropped, and the probe sees it hang. The probe's timing matters only where
            // the queue is longer.
            if (i == 0)
            {
                if (!connect.Wait(LoopHarness.Watchdog))
                    throw new InvalidOperationException("a loopback connect to an empty accept queue did not complete");
                continue;
            }
            if (!connect.Wait(TimeSpan.FromMilliseconds(300)))
                return new Blackhole(listener, fillers, endpoint); // this one hangs: the queue is full
        }
        foreach (var socket in fillers)
            socket.Dispose();
        listener.Dispose();
        throw new InvalidOperationException("could not fill a loopback accept queue to make a black hole");
    }

    internal sealed class Blackhole(Socket listener, List<Socket> fillers, IPEndPoint endpoint) : IDisposable
    {
        public IPEndPoint Endpoint { get; } = endpoint;

        public void Dispose()
        {
            foreach (var socket in fillers)
                socket.Dispose();
            listener.Dispose();
        }
    }
}
