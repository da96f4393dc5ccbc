namespace ChannelsTests;

/// <summary>
/// The cancellation-safety property, checked under random cancellations and closings: every item whose send
/// succeeded is received exactly once, in send order per sender (as seen by each receiver), and nothing else is.
/// Deterministic: each case is a seed, which fixes both the random plan and the loop's schedule.
/// </summary>
public sealed class CancellationSafetyPropertyTests
{
    const int SeedsPerCapacity = 60;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(MemoryChannel.Unbounded)]
    public void Under_random_cancellations_and_closings_every_sent_item_is_received_exactly_once_in_order(int capacity)
    {
        for (int seed = 0; seed < SeedsPerCapacity; seed++)
        {
            try
            {
                RunScenario(seed, capacity);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException || !e.Message.StartsWith("seed ", StringComparison.Ordinal))
            {
                throw new Xunit.Sdk.XunitException($"seed {seed}, capacity {capacity}: {e}");
            }
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_run()
    {
        var first = RunScenario(7, 2);
        var second = RunScenario(7, 2);
        Assert.Equal(first, second);
    }

    /// <summary>Runs one random scenario and returns a transcript of what each receiver got.</summary>
    static string RunScenario(int seed, int capacity)
    {
        var random = new Random(seed);
        int producers = random.Next(1, 4);
        int consumers = random.Next(1, 4);
        int perProducer = random.Next(5, 40);
        var sent = Enumerable.Range(0, producers).Select(_ => new List<int>()).ToArray();
        var received = Enumerable.Range(0, consumers).Select(_ => new List<(int Producer, int Seq)>()).ToArray();

        Run(async () =>
        {
            var (send, receive) = MemoryChannel.Create<(int Producer, int Seq)>(capacity);
            var sendClones = Enumerable.Range(0, producers).Select(_ => send.Clone()).ToArray();
            var receiveClones = Enumerable.Range(0, consumers).Select(_ => receive.Clone()).ToArray();
            send.Close();
            receive.Close();
            // What the chaos task can cancel: the scope or token of each task's current operation.
            var scopes = new CancelScope?[producers + consumers];
            var tokens = new CancellationTokenSource?[producers + consumers];
            int running = producers + consumers;

            async Task<bool> Attempt(int slot, Func<CancellationToken, Task> operation)
            {
                switch (random.Next(4))
                {
                    case 0:
                        await operation(default);
                        return true;
                    case 1:
                    {
                        bool done = false;
                        var timeout = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(random.Next(0, 3)));
                        await timeout.RunAsync(async () => { await operation(default); done = true; });
                        return done;
                    }
                    case 2:
                    {
                        bool done = false;
                        var scope = scopes[slot] = new CancelScope();
                        await scope.RunAsync(async () => { await operation(default); done = true; });
                        scopes[slot] = null;
                        return done;
                    }
                    default:
                    {
                        using var source = tokens[slot] = new CancellationTokenSource();
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
                            tokens[slot] = null;
                        }
                    }
                }
            }

            await Nursery.RunAsync(async n =>
            {
                for (int p = 0; p < producers; p++)
                {
                    int me = p;
                    var clone = sendClones[p];
                    n.StartSoon(async () =>
                    {
                        try
                        {
                            for (int seq = 0; seq < perProducer; seq++)
                            {
                                if (random.Next(8) == 0)
                                    await Time.SleepAsync(TimeSpan.FromMilliseconds(random.Next(0, 3)));
                                bool ok = random.Next(6) == 0
                                    ? clone.TrySend((me, seq))
                                    : await Attempt(me, async token => await clone.SendAsync((me, seq), token));
                                if (ok)
                                    sent[me].Add(seq);
                            }
                        }
                        catch (ClosedResourceException)
                        {
                            // The chaos task closed this clone, possibly while the task was blocked on it.
                        }
                        finally
                        {
                            clone.Close();
                            running--;
                        }
                    }, $"producer {p}");
                }
                for (int c = 0; c < consumers; c++)
                {
                    int me = c;
                    var clone = receiveClones[c];
                    n.StartSoon(async () =>
                    {
                        try
                        {
                            while (true)
                            {
                                if (random.Next(8) == 0)
                                    await Time.SleepAsync(TimeSpan.FromMilliseconds(random.Next(0, 3)));
                                if (random.Next(6) == 0)
                                {
                                    if (clone.TryReceive(out var item))
                                        received[me].Add(item);
                                    else
                                        await Checkpoint.YieldAsync();
                                    continue;
                                }
                                (int, int) got = default;
                                if (await Attempt(producers + me, async token => got = await clone.ReceiveAsync(token)))
                                    received[me].Add(got);
                            }
                        }
                        catch (EndOfChannelException)
                        {
                        }
                        catch (ClosedResourceException)
                        {
                        }
                        finally
                        {
                            clone.Close();
                            running--;
                        }
                    }, $"consumer {c}");
                }
                n.StartSoon(async () =>
                {
                    while (running > 0)
                    {
                        await Time.SleepAsync(TimeSpan.FromMilliseconds(random.Next(0, 4)));
                        int slot = random.Next(producers + consumers);
                        switch (random.Next(10))
                        {
                            case 0 when slot < producers:
                                sendClones[slot].Close();
                                break;
                            case 1 when slot > producers:
                                // Consumer 0 never closes early, so every sent item has a taker.
                                receiveClones[slot - producers].Close();
                                break;
                            default:
                                scopes[slot]?.Cancel("chaos");
                                if (tokens[slot] is { } source)
                                    await source.CancelAsync();
                                break;
                        }
                    }
                }, "chaos");
            });
        }, new LoopOptions { Clock = AutoClock(), Seed = seed });

        var all = received.SelectMany(x => x).ToList();
        for (int p = 0; p < producers; p++)
        {
            var fromP = all.Where(x => x.Producer == p).Select(x => x.Seq).Order().ToList();
            if (!fromP.SequenceEqual(sent[p]))
                throw new Xunit.Sdk.XunitException($"seed {seed}, capacity {capacity}: producer {p} sent [{string.Join(", ", sent[p])}] but receivers got [{string.Join(", ", fromP)}]");
        }
        if (all.Any(x => x.Producer < 0 || x.Producer >= producers))
            throw new Xunit.Sdk.XunitException($"seed {seed}: an item that nobody sent was received");
        for (int c = 0; c < consumers; c++)
        {
            foreach (var group in received[c].GroupBy(x => x.Producer))
            {
                var seqs = group.Select(x => x.Seq).ToList();
                if (!seqs.SequenceEqual(seqs.Order()))
                    throw new Xunit.Sdk.XunitException($"seed {seed}, capacity {capacity}: consumer {c} got producer {group.Key}'s items out of order: [{string.Join(", ", seqs)}]");
            }
        }
        return string.Join(" | ", received.Select(r => string.Join(",", r)));
    }
}
