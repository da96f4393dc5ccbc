using System.Threading.Channels;

namespace Stress;

/// <summary>
/// 4 producers and 4 consumers on one channel (capacities 0, 1, 1024 and unbounded) while operations are cancelled at
/// random (a token, a cancel scope cancelled from elsewhere, a tiny deadline) and consumers' ends are closed at random:
/// every item is received exactly once if its send succeeded, and never if its send was cancelled. On the loop (seeded
/// schedule, virtual clock), off it (thread pool, a chaos thread), and through the BCL views (AsWriter/AsReader).
/// </summary>
internal static class ChannelConservation
{
    const int Producers = 4, Consumers = 4;
    static readonly int[] s_capacities = [0, 1, 1024, MemoryChannel.Unbounded];

    internal static void OnLoop(StressContext context) => Each(context, onLoop: true, views: false);

    internal static void OffLoop(StressContext context) => Each(context, onLoop: false, views: false);

    internal static void ViewsOnLoop(StressContext context) => Each(context, onLoop: true, views: true);

    internal static void ViewsOffLoop(StressContext context) => Each(context, onLoop: false, views: true);

    static void Each(StressContext context, bool onLoop, bool views)
    {
        foreach (int capacity in s_capacities)
        {
            int seed = context.Seed + capacity;
            context.Enter($"capacity {(capacity == MemoryChannel.Unbounded ? "unbounded" : capacity)}, seed {seed}");
            var run = new Run(context, capacity, onLoop, views, seed);
            if (onLoop)
                Harness.OnLoop(context, seed, run.MainAsync);
            else
                Harness.OffLoop(run.MainAsync);
            run.Check();
        }
    }

    /// <summary>One channel's run: the ledger of sent and received items and the in-flight operations chaos may cancel.</summary>
    sealed class Run(StressContext context, int capacity, bool onLoop, bool views, int seed)
    {
        readonly int _perProducer = context.Mode.ChannelItemsPerProducer;
        readonly bool[] _sent = new bool[Producers * context.Mode.ChannelItemsPerProducer];
        readonly int[] _received = new int[Producers * context.Mode.ChannelItemsPerProducer];
        readonly CancellationTokenSource?[] _sources = new CancellationTokenSource?[Producers + Consumers];
        readonly CancelScope?[] _scopes = new CancelScope?[Producers + Consumers];
        ReceiveChannel<int>[] _receiveClones = [];
        long _cancels, _closes;
        volatile bool _done;

        internal async Task MainAsync()
        {
            var (send, receive) = MemoryChannel.Create<int>(capacity);
            _receiveClones = [.. Enumerable.Range(0, Consumers).Select(_ => receive.Clone())];
            receive.Close();
            Thread? chaosThread = null;
            if (!onLoop)
            {
                chaosThread = new Thread(ChaosThread) { IsBackground = true, Name = "stress chaos" };
                chaosThread.Start();
            }
            try
            {
                await Nursery.RunAsync(async outer =>
                {
                    if (onLoop)
                        outer.StartSoon(ChaosOnLoopAsync, "chaos");
                    await Nursery.RunAsync(async n =>
                    {
                        for (int p = 0; p < Producers; p++)
                        {
                            var clone = send.Clone();
                            int me = p;
                            n.StartSoon(() => views ? ProduceThroughViewAsync(me, clone) : ProduceAsync(me, clone), $"producer {p}");
                        }
                        send.Close();
                        for (int c = 0; c < Consumers; c++)
                        {
                            int me = c;
                            n.StartSoon(() => views ? ConsumeThroughViewAsync(me) : ConsumeAsync(me), $"consumer {c}");
                        }
                        await Task.CompletedTask;
                    });
                    outer.CancelScope.Cancel("done");
                });
            }
            finally
            {
                _done = true;
                chaosThread?.Join();
            }
        }

        async Task ProduceAsync(int me, SendChannel<int> clone)
        {
            var random = new Random(seed * 7 + me);
            try
            {
                for (int seq = 0; seq < _perProducer; seq++)
                {
                    int item = me * _perProducer + seq;
                    if (await AttemptAsync(me, random, token => clone.SendAsync(item, token).AsTask()))
                        _sent[item] = true;
                }
            }
            finally
            {
                clone.Close();
            }
        }

        async Task ConsumeAsync(int me)
        {
            var random = new Random(seed * 11 + me);
            var clone = _receiveClones[me];
            try
            {
                while (true)
                {
                    int item = -1;
                    if (await AttemptAsync(Producers + me, random, async token => item = await clone.ReceiveAsync(token)))
                        Record(item);
                }
            }
            catch (EndOfChannelException)
            {
            }
            catch (ClosedResourceException) when (me != 0)
            {
                // Chaos closed this end (consumer 0 is never closed, so every sent item has a taker).
            }
            finally
            {
                clone.Close();
            }
        }

        async Task ProduceThroughViewAsync(int me, SendChannel<int> clone)
        {
            var random = new Random(seed * 7 + me);
            var writer = clone.AsWriter();
            try
            {
                for (int seq = 0; seq < _perProducer; seq++)
                {
                    int item = me * _perProducer + seq;
                    bool written = await AttemptAsync(me, random, async token =>
                    {
                        // A rendezvous channel pairs a wait-then-try only with a blocked operation on the other side:
                        // producers always block there, or all tasks could wait for readiness at once (docs/channels.md).
                        if (seq % 2 == 0 || capacity == 0)
                        {
                            await writer.WriteAsync(item, token);
                            return;
                        }
                        while (!writer.TryWrite(item))
                        {
                            if (!await writer.WaitToWriteAsync(token))
                                throw new ChannelClosedException();
                        }
                    });
                    if (written)
                        _sent[item] = true;
                }
            }
            finally
            {
                writer.TryComplete();
            }
        }

        async Task ConsumeThroughViewAsync(int me)
        {
            var random = new Random(seed * 11 + me);
            var reader = _receiveClones[me].AsReader();
            bool ended = false;
            while (!ended)
            {
                bool wait = random.Next(2) == 0;
                await AttemptAsync(Producers + me, random, async token =>
                {
                    if (!wait)
                    {
                        try
                        {
                            Record(await reader.ReadAsync(token));
                        }
                        catch (ChannelClosedException)
                        {
                            ended = true;
                        }
                        return;
                    }
                    if (!await reader.WaitToReadAsync(token))
                    {
                        ended = true;
                        return;
                    }
                    if (reader.TryRead(out int item))
                        Record(item);
                });
            }
        }

        /// <summary>
        /// Runs one operation, maybe cancellable: with a token source that chaos may cancel, in a cancel scope that
        /// chaos may cancel, in a scope with a deadline of 0-2 ticks, or plainly. True when it completed.
        /// </summary>
        async Task<bool> AttemptAsync(int slot, Random random, Func<CancellationToken, Task> operation)
        {
            switch (random.Next(4))
            {
                case 0:
                {
                    using var source = new CancellationTokenSource();
                    Volatile.Write(ref _sources[slot], source);
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
                        Volatile.Write(ref _sources[slot], null);
                    }
                }
                case 1:
                {
                    bool completed = false;
                    var scope = new CancelScope();
                    Volatile.Write(ref _scopes[slot], scope);
                    await scope.RunAsync(async () =>
                    {
                        await operation(default);
                        completed = true;
                    });
                    Volatile.Write(ref _scopes[slot], null);
                    return completed;
                }
                case 2:
                {
                    bool completed = false;
                    var ticks = onLoop ? TimeSpan.FromTicks(random.Next(3)) : TimeSpan.FromTicks(random.Next(2) * 1000);
                    await CancelScope.MoveOnAfter(ticks).RunAsync(async () =>
                    {
                        await operation(default);
                        completed = true;
                    });
                    return completed;
                }
                default:
                    await operation(default);
                    return true;
            }
        }

        void Record(int item)
        {
            if ((uint)item >= (uint)_received.Length)
            {
                context.Figures.Fail($"received {item}, which no producer sends (capacity {capacity})");
                return;
            }
            Interlocked.Increment(ref _received[item]);
        }

        /// <summary>One chaos step: cancel the operation in one slot; rarely close one consumer's end (not consumer 0's).</summary>
        void ChaosStep(Random random)
        {
            int slot = random.Next(_sources.Length);
            try
            {
                Volatile.Read(ref _sources[slot])?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The operation ended and disposed its source in the meantime.
            }
            Volatile.Read(ref _scopes[slot])?.Cancel("chaos");
            Interlocked.Increment(ref _cancels);
            if (!views && random.Next(4000) == 0)
            {
                _receiveClones[random.Next(1, Consumers)].Close();
                Interlocked.Increment(ref _closes);
            }
        }

        async Task ChaosOnLoopAsync()
        {
            var random = new Random(seed);
            while (true)
            {
                ChaosStep(random);
                if (random.Next(3) == 0)
                    await Time.SleepAsync(TimeSpan.FromTicks(random.Next(1, 4)));
                else
                    await Checkpoint.YieldAsync();
            }
        }

        void ChaosThread()
        {
            var random = new Random(seed);
            while (!_done)
            {
                ChaosStep(random);
                for (int spin = random.Next(200); spin > 0; spin--)
                    Thread.SpinWait(10);
            }
        }

        internal void Check()
        {
            long sent = 0, lost = 0, duplicated = 0, phantom = 0;
            for (int i = 0; i < _sent.Length; i++)
            {
                if (_sent[i])
                {
                    sent++;
                    if (_received[i] == 0)
                        lost++;
                    else if (_received[i] > 1)
                        duplicated += _received[i] - 1;
                }
                else if (_received[i] > 0)
                {
                    phantom += _received[i];
                }
            }
            context.Figures.AddItems(sent);
            context.Figures.AddLost(lost);
            context.Figures.AddDuplicated(duplicated + phantom);
            if (lost + duplicated + phantom > 0)
            {
                int first = Enumerable.Range(0, _sent.Length).First(i => _sent[i] ? _received[i] != 1 : _received[i] != 0);
                context.Figures.Fail($"capacity {capacity}, seed {seed}: {sent} sent, {lost} lost, {duplicated} duplicated, "
                    + $"{phantom} received though their send was cancelled (first: item {first}, sent={_sent[first]}, received {_received[first]} times); "
                    + $"{Interlocked.Read(ref _cancels)} cancels, {Interlocked.Read(ref _closes)} closes");
            }
            if (Interlocked.Read(ref _cancels) == 0)
                context.Figures.Fail($"capacity {capacity}: chaos never ran");
        }
    }
}
