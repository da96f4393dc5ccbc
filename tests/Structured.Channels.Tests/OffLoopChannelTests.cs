using System.Collections.Concurrent;

namespace ChannelsTests;

[CollectionDefinition("OffLoopChannels", DisableParallelization = true)]
public sealed class OffLoopChannelsGroup;

/// <summary>
/// Channels on the thread pool: real threads race sends, receives, cancellations and closes. The schedule is not
/// deterministic, the outcome must be: nothing lost, nothing duplicated, nothing hangs.
/// </summary>
[Collection("OffLoopChannels")]
public sealed class OffLoopChannelTests
{
    [Fact]
    public void Four_producers_and_four_consumers_move_a_million_items_with_none_lost_or_duplicated()
    {
        const int Producers = 4, Consumers = 4, PerProducer = 250_000;
        var seen = new int[Producers * PerProducer];
        long received = 0;
        OffLoop(async () =>
        {
            var (send, receive) = MemoryChannel.Create<int>(1024);
            await Nursery.RunAsync(async n =>
            {
                for (int p = 0; p < Producers; p++)
                {
                    var clone = send.Clone();
                    int basis = p * PerProducer;
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < PerProducer; i++)
                            await clone.SendAsync(basis + i);
                        // Producers finish at different times: their clones close concurrently.
                        clone.Close();
                    });
                }
                send.Close();
                for (int c = 0; c < Consumers; c++)
                {
                    var clone = receive.Clone();
                    n.StartSoon(async () =>
                    {
                        long mine = 0;
                        await foreach (var x in clone)
                        {
                            Interlocked.Increment(ref seen[x]);
                            mine++;
                        }
                        Interlocked.Add(ref received, mine);
                        clone.Close();
                    });
                }
                receive.Close();
            });
        });
        Assert.Equal(Producers * PerProducer, Interlocked.Read(ref received));
        for (int i = 0; i < seen.Length; i++)
        {
            if (seen[i] != 1)
                Assert.Fail($"item {i} was received {seen[i]} times");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(MemoryChannel.Unbounded)]
    public void Cancellations_and_closes_racing_from_other_threads_lose_and_duplicate_nothing(int capacity)
    {
        const int Producers = 3, Consumers = 3, PerProducer = 3000;
        var sent = Enumerable.Range(0, Producers).Select(_ => new List<int>()).ToArray();
        var received = Enumerable.Range(0, Consumers).Select(_ => new List<(int Producer, int Seq)>()).ToArray();
        // The current operation of each task, for the chaos thread to cancel: a token source or a cancel scope.
        var sources = new CancellationTokenSource?[Producers + Consumers];
        var scopes = new CancelScope?[Producers + Consumers];
        int cancels = 0, closes = 0;
        OffLoop(async () =>
        {
            var (send, receive) = MemoryChannel.Create<(int, int)>(capacity);
            var receiveClones = Enumerable.Range(0, Consumers).Select(_ => receive.Clone()).ToArray();
            receive.Close();
            using var done = new CancellationTokenSource();
            var chaos = new Thread(() =>
            {
                var random = new Random(capacity);
                while (!done.IsCancellationRequested)
                {
                    int slot = random.Next(sources.Length);
                    try
                    {
                        Volatile.Read(ref sources[slot])?.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                    }
                    Volatile.Read(ref scopes[slot])?.Cancel("chaos");
                    Interlocked.Increment(ref cancels);
                    // Consumer 0 stays open, so every sent item has a taker; the others may be closed while blocked.
                    if (random.Next(2000) == 0 && random.Next(1, Consumers) is int victim)
                    {
                        receiveClones[victim].Close();
                        Interlocked.Increment(ref closes);
                    }
                    for (int spin = random.Next(200); spin > 0; spin--)
                        Thread.SpinWait(10);
                }
            }) { IsBackground = true, Name = "chaos" };
            chaos.Start();

            async Task<bool> Attempt(int slot, int kind, Func<CancellationToken, Task> operation)
            {
                if (kind == 0)
                {
                    using var source = new CancellationTokenSource();
                    Volatile.Write(ref sources[slot], source);
                    try
                    {
                        await operation(source.Token);
                        return true;
                    }
                    catch (OperationCanceledException e) when (e.CancellationToken == source.Token)
                    {
                        return false;
                    }
                    finally
                    {
                        Volatile.Write(ref sources[slot], null);
                    }
                }
                bool completed = false;
                var scope = new CancelScope();
                Volatile.Write(ref scopes[slot], scope);
                await scope.RunAsync(async () => { await operation(default); completed = true; });
                Volatile.Write(ref scopes[slot], null);
                return completed;
            }

            try
            {
                await Nursery.RunAsync(async n =>
                {
                    for (int p = 0; p < Producers; p++)
                    {
                        var clone = send.Clone();
                        int me = p;
                        n.StartSoon(async () =>
                        {
                            await using (clone)
                            {
                                for (int seq = 0; seq < PerProducer; seq++)
                                {
                                    if (await Attempt(me, seq % 2, async token => await clone.SendAsync((me, seq), token)))
                                        sent[me].Add(seq);
                                }
                            }
                        });
                    }
                    send.Close();
                    for (int c = 0; c < Consumers; c++)
                    {
                        var clone = receiveClones[c];
                        int me = c;
                        n.StartSoon(async () =>
                        {
                            int kind = 0;
                            try
                            {
                                while (true)
                                {
                                    (int, int) item = default;
                                    if (await Attempt(Producers + me, kind++ % 2, async token => item = await clone.ReceiveAsync(token)))
                                        received[me].Add(item);
                                }
                            }
                            catch (EndOfChannelException)
                            {
                            }
                            catch (ClosedResourceException)
                            {
                            }
                        });
                    }
                });
            }
            finally
            {
                await done.CancelAsync();
                chaos.Join();
            }
        });

        Assert.True(cancels > 0);
        var all = received.SelectMany(x => x).ToList();
        for (int p = 0; p < Producers; p++)
        {
            var fromP = all.Where(x => x.Producer == p).Select(x => x.Seq).Order().ToList();
            Assert.Equal(sent[p], fromP);
        }
        foreach (var mine in received)
        {
            foreach (var group in mine.GroupBy(x => x.Producer))
                Assert.Equal(group.Select(x => x.Seq).Order(), group.Select(x => x.Seq));
        }
    }

    [Fact]
    public void Send_and_receive_work_from_plain_threads_outside_any_task()
    {
        var (s, r) = MemoryChannel.Create<int>(0);
        var got = new ConcurrentQueue<int>();
        var consumer = new Thread(() =>
        {
            foreach (var _ in Enumerable.Range(0, 100))
                got.Enqueue(r.ReceiveAsync().AsTask().GetAwaiter().GetResult());
        }) { IsBackground = true };
        consumer.Start();
        for (int i = 0; i < 100; i++)
            s.SendAsync(i).AsTask().GetAwaiter().GetResult();
        Assert.True(consumer.Join(LoopHarness.Watchdog));
        Assert.Equal(Enumerable.Range(0, 100), got);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(16, false)]
    [InlineData(0, true)]
    [InlineData(16, true)]
    public void Writers_and_readers_through_the_views_move_every_item_once_off_the_loop(int capacity, bool wrapBcl)
    {
        const int Writers = 2, Readers = 2, PerWriter = 20_000;
        var seen = new int[Writers * PerWriter];
        OffLoop(async () =>
        {
            var (send, receive) = wrapBcl
                ? MemoryChannel.FromChannel(System.Threading.Channels.Channel.CreateBounded<int>(capacity))
                : MemoryChannel.Create<int>(capacity);
            await Nursery.RunAsync(async n =>
            {
                for (int w = 0; w < Writers; w++)
                {
                    var writer = send.Clone().AsWriter();
                    int basis = w * PerWriter;
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < PerWriter; i++)
                            await writer.WriteAsync(basis + i);
                        writer.Complete();
                    });
                }
                send.Close();
                for (int r = 0; r < Readers; r++)
                {
                    var reader = receive.Clone().AsReader();
                    bool useWait = r % 2 == 0;
                    n.StartSoon(async () =>
                    {
                        if (useWait)
                        {
                            while (await reader.WaitToReadAsync())
                            {
                                while (reader.TryRead(out var x))
                                    Interlocked.Increment(ref seen[x]);
                            }
                            return;
                        }
                        try
                        {
                            while (true)
                                Interlocked.Increment(ref seen[await reader.ReadAsync()]);
                        }
                        catch (System.Threading.Channels.ChannelClosedException)
                        {
                        }
                    });
                }
                receive.Close();
            });
        });
        Assert.All(seen, count => Assert.Equal(1, count));
    }
}

