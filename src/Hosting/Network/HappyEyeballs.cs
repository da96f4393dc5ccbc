using System.Net;
using System.Net.Sockets;

namespace Structured;

/// <summary>
/// RFC 8305 connection racing, structured (Trio's <c>open_tcp_stream</c>): the attempts are tasks of one nursery; the
/// body starts them one by one, waiting the delay or until the previous fails; the winner cancels the nursery.
/// </summary>
/// <remarks>
/// The attempts may run on the thread pool (a nursery off the loop), so the winner and the errors are guarded by
/// <see cref="_gate"/>. Every socket but the winner's is disposed by the attempt that made it, in its <c>finally</c>.
/// </remarks>
internal sealed class HappyEyeballs
{
    readonly Lock _gate = new();
    readonly List<Exception> _errors = [];
    Socket? _winner;

    internal static async Task<NetworkStream> ConnectAsync(IReadOnlyList<IPEndPoint> endpoints, TimeSpan delay)
    {
        var race = new HappyEyeballs();
        try
        {
            await Nursery.RunAsync(async attempts =>
            {
                foreach (var endpoint in endpoints)
                {
                    var failed = new Event();
                    attempts.StartSoon(() => race.AttemptAsync(endpoint, failed, attempts), $"connect to {endpoint}");
                    // The next attempt starts after the delay, or at once when this one fails (RFC 8305 §5).
                    await CancelScope.MoveOnAfter(delay).RunAsync(async () => await failed.WaitAsync());
                }
            });
        }
        catch
        {
            // Cancelled from outside (or an unexpected error) after an attempt won: that socket is ours to close.
            race.TakeWinner()?.Dispose();
            throw;
        }
        var winner = race.TakeWinner();
        if (winner is null)
        {
            List<Exception> errors;
            lock (race._gate)
                errors = [.. race._errors];
            throw new AggregateException(
                $"Tcp.ConnectAsync could not connect: every one of the {endpoints.Count} addresses failed ({string.Join(", ", endpoints)}).", errors);
        }
        try
        {
            return new ScopedNetworkStream(winner);
        }
        catch
        {
            winner.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Orders addresses as RFC 8305 §4 asks: the first address's family first, then alternating between the families,
    /// each family in the resolver's order.
    /// </summary>
    internal static IEnumerable<IPAddress> Interleave(IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count == 0)
            yield break;
        var firstFamily = addresses[0].AddressFamily;
        var first = new Queue<IPAddress>(addresses.Where(a => a.AddressFamily == firstFamily));
        var other = new Queue<IPAddress>(addresses.Where(a => a.AddressFamily != firstFamily));
        while (first.Count > 0 || other.Count > 0)
        {
            if (first.Count > 0)
                yield return first.Dequeue();
            if (other.Count > 0)
                yield return other.Dequeue();
        }
    }

    Socket? TakeWinner()
    {
        lock (_gate)
        {
            var winner = _winner;
            _winner = null;
            return winner;
        }
    }

    async Task AttemptAsync(IPEndPoint endpoint, Event failed, Nursery attempts)
    {
        Socket? socket = new(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            var token = CancelScope.CurrentToken;
            try
            {
                await socket.ConnectAsync(endpoint, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Checkpoint.ThrowIfCancelled();
                throw;
            }
            bool won;
            lock (_gate)
            {
                won = _winner is null;
                if (won)
                    _winner = socket;
            }
            if (won)
            {
                socket = null;
                attempts.CancelScope.Cancel($"connected to {endpoint} first (Happy Eyeballs)");
            }
        }
        catch (SocketException error)
        {
            lock (_gate)
                _errors.Add(error);
            failed.Set();
        }
        finally
        {
            // A loser, cancelled or connected too late, never outlives its attempt.
            socket?.Dispose();
        }
    }
}
