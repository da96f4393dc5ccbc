namespace ChannelsTests;

/// <summary>
/// A random scenario of producers and consumers that only talk through selects over several channels, under
/// random cancellations (timeout branches, deadlines, a chaos task cancelling scopes), non-blocking selects, early
/// closes and an onUndelivered callback on every channel. Shared (linked) by the channel tests and the property tests.
/// </summary>
/// <remarks>
/// The property it checks (<see cref="Check"/>): every item a select reported sent was, on that very channel, either
/// received exactly once or handed to the callback exactly once; nothing else was received or handed over.
/// Off the loop each task draws from its own seeded <see cref="Random"/> and the records are locked.
/// </remarks>
internal sealed class SelectChaosScenario
{
    readonly int _seed;
    readonly Lock _gate = new();
    readonly List<(int Item, int Channel)> _sent = [];
    readonly List<(int Item, int Channel)> _received = [];
    readonly List<(int Item, int Channel)> _undelivered = [];

    internal SelectChaosScenario(int seed) => _seed = seed;

    /// <summary>The number of completed selects of each kind, for a transcript.</summary>
    internal int Sent => _sent.Count;

    internal int Received => _received.Count;

    internal int Undelivered => _undelivered.Count;

    void Record(List<(int, int)> list, int item, int channel)
    {
        lock (_gate)
            list.Add((item, channel));
    }

    /// <summary>The scenario's body: run it on a loop (any schedule) or off it.</summary>
    internal async Task RunAsync()
    {
        var random = new Random(_seed);
        int channelCount = random.Next(2, 4);
        int producers = random.Next(1, 4);
        int consumers = random.Next(1, 4);
        int perProducer = random.Next(3, 25);
        int[] capacities = [0, 1, 3, MemoryChannel.Unbounded];
        var sends = new SendChannel<int>[channelCount];
        var receives = new ReceiveChannel<int>[channelCount];
        for (int c = 0; c < channelCount; c++)
        {
            int channel = c;
            (sends[c], receives[c]) = MemoryChannel.Create<int>(capacities[random.Next(capacities.Length)], item => Record(_undelivered, item, channel));
        }
        var sendClones = Enumerable.Range(0, producers).Select(_ => sends.Select(s => s.Clone()).ToArray()).ToArray();
        var receiveClones = Enumerable.Range(0, consumers).Select(_ => receives.Select(r => r.Clone()).ToArray()).ToArray();
        var seeds = Enumerable.Range(0, producers + consumers + 1).Select(_ => random.Next()).ToArray();
        var scopes = new CancelScope?[producers + consumers];
        int running = producers + consumers;

        // One operation under a random kind of cancellation; returns the select's result or -1 when it gave up.
        async Task<int> Attempt(Random mine, int slot, Select<int> select)
        {
            switch (mine.Next(5))
            {
                case 0:
                    return await select.Timeout(TimeSpan.FromMilliseconds(mine.Next(0, 3)), () => -1).RunAsync();
                case 1:
                    return await select.OrElse(() => -1).RunAsync();
                case 2:
                {
                    var deadline = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(mine.Next(0, 3)));
                    int result = -1;
                    await deadline.RunAsync(async () => result = await select.RunAsync());
                    return result;
                }
                default:
                {
                    // The chaos task may cancel this scope at any time; a backstop deadline ends the scenario.
                    var scope = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(20));
                    lock (_gate)
                        scopes[slot] = scope;
                    int result = -1;
                    await scope.RunAsync(async () => result = await select.RunAsync());
                    lock (_gate)
                        scopes[slot] = null;
                    return result;
                }
            }
        }

        await Nursery.RunAsync(async n =>
        {
            for (int p = 0; p < producers; p++)
            {
                int slot = p;
                var mine = new Random(seeds[slot]);
                var ends = sendClones[p];
                n.StartSoon(async () =>
                {
                    try
                    {
                        for (int seq = 0; seq < perProducer; seq++)
                        {
                            int item = slot * 1000 + seq;
                            var select = new Select<int>();
                            foreach (int c in Subset(mine, channelCount))
                            {
                                int channel = c;
                                select.Send(ends[c], item, () => channel);
                            }
                            int sentTo = await Attempt(mine, slot, select);
                            if (sentTo >= 0)
                                Record(_sent, item, sentTo);
                        }
                    }
                    finally
                    {
                        foreach (var end in ends)
                            end.Close();
                        Interlocked.Decrement(ref running);
                    }
                }, $"producer-{p}");
            }
            for (int k = 0; k < consumers; k++)
            {
                int slot = producers + k;
                var mine = new Random(seeds[slot]);
                var ends = receiveClones[k];
                int budget = mine.Next(5, 60);
                n.StartSoon(async () =>
                {
                    try
                    {
                        var open = Enumerable.Range(0, channelCount).ToList();
                        for (int step = 0; step < budget && open.Count > 0; step++)
                        {
                            var select = new Select<int>();
                            foreach (int c in Subset(mine, open.Count))
                            {
                                int channel = open[c];
                                select.Receive(ends[channel], item => { Record(_received, item, channel); return channel; }, () => -2 - channel);
                            }
                            int result = await Attempt(mine, slot, select);
                            if (result <= -2)
                                open.Remove(-2 - result);
                        }
                    }
                    finally
                    {
                        // An early close: the channel keeps working through the other receive ends.
                        foreach (var end in ends)
                            end.Close();
                        Interlocked.Decrement(ref running);
                    }
                }, $"consumer-{k}");
            }
            var chaos = new Random(seeds[^1]);
            n.StartSoon(async () =>
            {
                while (Volatile.Read(ref running) > 0)
                {
                    await Time.SleepAsync(TimeSpan.FromMilliseconds(chaos.Next(1, 4)));
                    CancelScope? victim;
                    lock (_gate)
                        victim = scopes[chaos.Next(scopes.Length)];
                    victim?.Cancel("chaos");
                }
            }, "chaos");
        });
        foreach (var send in sends)
            send.Close();
        // The last receive ends: whatever is still buffered goes to the callback.
        foreach (var receive in receives)
            receive.Close();
    }

    /// <summary>A random non-empty subset of 0..count-1, in random order.</summary>
    static List<int> Subset(Random random, int count)
    {
        var all = Enumerable.Range(0, count).OrderBy(_ => random.Next()).ToList();
        return all.Take(random.Next(1, count + 1)).ToList();
    }

    /// <summary>Throws unless every sent item was received or handed over exactly once, on the channel it was sent to.</summary>
    internal void Check()
    {
        var accounted = _received.Concat(_undelivered).ToList();
        var duplicates = accounted.GroupBy(x => x).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
            throw new InvalidOperationException($"seed {_seed}: delivered twice: {string.Join(", ", duplicates)}");
        var sent = _sent.OrderBy(x => x).ToList();
        var got = accounted.OrderBy(x => x).ToList();
        if (!sent.SequenceEqual(got))
        {
            var lost = sent.Except(got).ToList();
            var extra = got.Except(sent).ToList();
            throw new InvalidOperationException($"seed {_seed}: sent {sent.Count}, received {_received.Count}, undelivered {_undelivered.Count}; lost: {string.Join(", ", lost)}; never sent: {string.Join(", ", extra)}");
        }
    }

    /// <summary>A transcript of the run, to compare two runs of one seed.</summary>
    internal string Transcript()
        => $"sent {string.Join(",", _sent)} | received {string.Join(",", _received)} | undelivered {string.Join(",", _undelivered)}";
}
