using System.Diagnostics;
using System.Threading.Channels;
using Structured;

namespace Benchmarks;

/// <summary>
/// W3: M ints through one channel, bounded 1024 or unbounded, 1 producer → 1 consumer or 4 → 4 (each producer
/// sends M/P); consumers sum what they receive and the total is checked.
/// </summary>
public static class Throughput
{
    /// <summary>The capacity argument for "unbounded".</summary>
    public const int Unbounded = -1;

#if WITH_CHANNELS
    /// <summary>
    /// Structured: one memory channel; every producer and consumer has its own clone and closes it (Trio's close
    /// protocol). Consumers use <c>await foreach</c> (Trio's <c>async for</c>), or with <paramref name="tryReceiveLoop"/>
    /// the shape of the BCL baseline's loop: <c>TryReceive</c> while items are there, <c>ReceiveAsync</c> to wait.
    /// </summary>
    public static async Task<double> StructuredAsync(int m, int capacity, int producers, int consumers, bool tryReceiveLoop = false)
        => await StructuredAsync(m, capacity, producers, consumers, tryReceiveLoop ? ConsumeTryReceiveAsync : ConsumeAsync);

    /// <summary>
    /// Structured, consumers select: as <see cref="StructuredAsync(int, int, int, int, bool)"/>, but each consumer
    /// receives with a two-branch <see cref="Select{TResult}"/> (the data channel, with an end branch, and a channel
    /// that never gets an item), built once and run for every item.
    /// </summary>
    public static Task<double> StructuredSelectAsync(int m, int capacity, int producers, int consumers)
        => StructuredAsync(m, capacity, producers, consumers, ConsumeSelectAsync);

    static async Task<double> StructuredAsync(int m, int capacity, int producers, int consumers, Func<ReceiveChannel<int>, Task<long>> consume)
    {
        int per = m / producers;
        long total = 0;
        long start = Stopwatch.GetTimestamp();
        var (send, receive) = MemoryChannel.Create<int>(capacity == Unbounded ? MemoryChannel.Unbounded : capacity);
        await Nursery.RunAsync(nursery =>
        {
            for (int p = 0; p < producers; p++)
            {
                var clone = send.Clone();
                nursery.StartSoon(() => ProduceAsync(clone, per));
            }
            for (int c = 0; c < consumers; c++)
            {
                var clone = receive.Clone();
                nursery.StartSoon(async () => Interlocked.Add(ref total, await consume(clone)));
            }
            send.Close();
            receive.Close();
            return Task.CompletedTask;
        });
        double seconds = Repeat.Since(start);
        Check(total, producers, per);
        return seconds;
    }

    static async Task ProduceAsync(SendChannel<int> send, int count)
    {
        try
        {
            for (int i = 0; i < count; i++)
                await send.SendAsync(i);
        }
        finally
        {
            send.Close();
        }
    }

    static async Task<long> ConsumeAsync(ReceiveChannel<int> receive)
    {
        long sum = 0;
        try
        {
            await foreach (int v in receive)
                sum += v;
        }
        finally
        {
            receive.Close();
        }
        return sum;
    }

    static async Task<long> ConsumeSelectAsync(ReceiveChannel<int> receive)
    {
        long sum = 0;
        var (idleSend, idleReceive) = MemoryChannel.Create<int>(0);
        try
        {
            var select = Select.Receive(receive, v => (long)v, () => -1L).Receive(idleReceive, v => (long)v);
            while (true)
            {
                long v = await select.RunAsync();
                if (v < 0)
                    return sum;
                sum += v;
            }
        }
        finally
        {
            receive.Close();
            idleSend.Close();
        }
    }

    static async Task<long> ConsumeTryReceiveAsync(ReceiveChannel<int> receive)
    {
        long sum = 0;
        try
        {
            while (true)
            {
                while (receive.TryReceive(out int v))
                    sum += v;
                try
                {
                    sum += await receive.ReceiveAsync();
                }
                catch (EndOfChannelException)
                {
                    return sum;
                }
            }
        }
        finally
        {
            receive.Close();
        }
    }
#endif

    /// <summary>
    /// Raw .NET: <c>Channel.CreateBounded(1024)</c> or <c>CreateUnbounded</c> with default options; the writer is
    /// completed once every producer is done; consumers run <c>while (await WaitToReadAsync()) while (TryRead(...))</c>.
    /// </summary>
    public static async Task<double> RawAsync(int m, int capacity, int producers, int consumers)
    {
        int per = m / producers;
        long total = 0;
        var scheduler = TaskScheduler.Current;
        long start = Stopwatch.GetTimestamp();
        var channel = capacity == Unbounded ? Channel.CreateUnbounded<int>() : Channel.CreateBounded<int>(capacity);
        var producing = new Task[producers];
        var consuming = new Task[consumers];
        for (int p = 0; p < producers; p++)
        {
            producing[p] = Hosts.Spawn(async () =>
            {
                for (int i = 0; i < per; i++)
                    await channel.Writer.WriteAsync(i);
            }, scheduler);
        }
        for (int c = 0; c < consumers; c++)
        {
            consuming[c] = Hosts.Spawn(async () =>
            {
                long sum = 0;
                var reader = channel.Reader;
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out int v))
                        sum += v;
                }
                Interlocked.Add(ref total, sum);
            }, scheduler);
        }
        await Task.WhenAll(producing);
        channel.Writer.Complete();
        await Task.WhenAll(consuming);
        double seconds = Repeat.Since(start);
        Check(total, producers, per);
        return seconds;
    }

    static void Check(long total, int producers, int per)
    {
        long expected = producers * ((long)per * (per - 1) / 2);
        if (total != expected)
            throw new InvalidOperationException($"W3: the consumers summed {total}, expected {expected}: items were lost or duplicated.");
    }
}
