using System.Diagnostics;
using System.Threading.Channels;
using Structured;

namespace Benchmarks;

/// <summary>W2: two tasks pass one integer back and forth through two channels, N round trips.</summary>
public static class PingPong
{
#if WITH_CHANNELS
    /// <summary>Structured: two memory channels of <paramref name="capacity"/> (0 = rendezvous), in one nursery.</summary>
    public static async Task<double> StructuredAsync(int n, int capacity)
    {
        var (aSend, aReceive) = MemoryChannel.Create<int>(capacity);
        var (bSend, bReceive) = MemoryChannel.Create<int>(capacity);
        long start = Stopwatch.GetTimestamp();
        await Nursery.RunAsync(nursery =>
        {
            nursery.StartSoon(async () =>
            {
                for (int i = 0; i < n; i++)
                {
                    await aSend.SendAsync(i);
                    await bReceive.ReceiveAsync();
                }
            });
            nursery.StartSoon(async () =>
            {
                for (int i = 0; i < n; i++)
                {
                    int v = await aReceive.ReceiveAsync();
                    await bSend.SendAsync(v);
                }
            });
            return Task.CompletedTask;
        });
        return Repeat.Since(start);
    }

    /// <summary>
    /// Structured, every receive a select: as <see cref="StructuredAsync"/>, but each side receives with a
    /// two-branch <see cref="Select{TResult}"/> (its data channel and a channel that never gets an item), built once
    /// and run N times. The difference to <see cref="StructuredAsync"/> is the cost of select.
    /// </summary>
    public static async Task<double> StructuredSelectAsync(int n, int capacity)
    {
        var (aSend, aReceive) = MemoryChannel.Create<int>(capacity);
        var (bSend, bReceive) = MemoryChannel.Create<int>(capacity);
        var (idleSend, idleReceive) = MemoryChannel.Create<int>(capacity);
        long start = Stopwatch.GetTimestamp();
        await Nursery.RunAsync(nursery =>
        {
            nursery.StartSoon(async () =>
            {
                var receive = Select.Receive(bReceive, v => v).Receive(idleReceive, v => -v);
                for (int i = 0; i < n; i++)
                {
                    await aSend.SendAsync(i);
                    await receive.RunAsync();
                }
            });
            nursery.StartSoon(async () =>
            {
                var receive = Select.Receive(aReceive, v => v).Receive(idleReceive, v => -v);
                for (int i = 0; i < n; i++)
                {
                    int v = await receive.RunAsync();
                    await bSend.SendAsync(v);
                }
            });
            return Task.CompletedTask;
        });
        GC.KeepAlive(idleSend);
        return Repeat.Since(start);
    }
#endif

    /// <summary>
    /// Raw .NET: two <c>Channel.CreateBounded&lt;int&gt;(capacity)</c>, tasks spawned on the current scheduler.
    /// NaN when the BCL has no such capacity (0, rendezvous, before .NET gained it).
    /// </summary>
    public static async Task<double> RawAsync(int n, int capacity)
    {
        if (!RawSupports(capacity))
            return double.NaN;
        var a = Channel.CreateBounded<int>(capacity);
        var b = Channel.CreateBounded<int>(capacity);
        var scheduler = TaskScheduler.Current;
        long start = Stopwatch.GetTimestamp();
        var ping = Hosts.Spawn(async () =>
        {
            for (int i = 0; i < n; i++)
            {
                await a.Writer.WriteAsync(i);
                await b.Reader.ReadAsync();
            }
        }, scheduler);
        var pong = Hosts.Spawn(async () =>
        {
            for (int i = 0; i < n; i++)
            {
                int v = await a.Reader.ReadAsync();
                await b.Writer.WriteAsync(v);
            }
        }, scheduler);
        await Task.WhenAll(ping, pong);
        return Repeat.Since(start);
    }

    /// <summary>Whether <c>Channel.CreateBounded</c> accepts <paramref name="capacity"/> on this runtime.</summary>
    public static bool RawSupports(int capacity)
    {
        try
        {
            Channel.CreateBounded<int>(capacity);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
