using System.Collections.Concurrent;

namespace Stress;

/// <summary>
/// Off the loop, on the thread pool: many threads spawning into one nursery, and many tasks (with cancellations from a
/// chaos thread) on each primitive: Event, AsyncLock, AsyncSemaphore, CapacityLimiter, Condition, ParkingLot. Mutual
/// exclusion and limits hold, every wake-up arrives, every unit comes back.
/// </summary>
internal static class ManyThreads
{
    const int Tasks = 16;

    internal static void OneNursery(StressContext context)
    {
        int perSpawner = context.Mode.ThreadRounds * 10;
        long ran = 0;
        Nursery? open = null;
        context.Describe(() => Harness.DescribeChildren(open));
        Harness.OffLoop(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                open = n;
                for (int s = 0; s < Tasks; s++)
                {
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < perSpawner; i++)
                        {
                            n.StartSoon(async () =>
                            {
                                if ((Interlocked.Increment(ref ran) & 7) == 0)
                                    await Checkpoint.YieldAsync();
                            });
                            if (i % 32 == 0)
                                await Task.Yield();
                        }
                    }, $"spawner {s}");
                }
                await Task.CompletedTask;
            });
            if (open!.Children.Count != 0)
                context.Figures.Fail($"the nursery returned with {open!.Children.Count} children listed");
        });
        context.Figures.AddItems(Interlocked.Read(ref ran));
        if (Interlocked.Read(ref ran) != (long)Tasks * perSpawner)
            context.Figures.Fail($"{Tasks * perSpawner} children started from {Tasks} threads, {Interlocked.Read(ref ran)} ran");
    }

    internal static void Primitives(StressContext context)
    {
        int rounds = context.Mode.ThreadRounds;
        using var chaos = new Chaos(Tasks, context.Seed);
        Nursery? open = null;
        context.Describe(() => Harness.DescribeChildren(open));

        context.Enter("Event");
        long woken = 0;
        Harness.OffLoop(async () =>
        {
            for (int r = 0; r < rounds; r++)
            {
                var ev = new Event();
                await Nursery.RunAsync(async n =>
                {
                    open = n;
                    for (int t = 0; t < Tasks; t++)
                    {
                        n.StartSoon(async () =>
                        {
                            await ev.WaitAsync();
                            Interlocked.Increment(ref woken);
                        });
                    }
                    var setter = new Thread(ev.Set) { IsBackground = true };
                    setter.Start();
                    await Task.Run(setter.Join);
                });
            }
        });
        Expect(context, "Event: tasks woken", (long)rounds * Tasks, Interlocked.Read(ref woken));

        context.Enter("AsyncLock");
        var l = new AsyncLock();
        int inside = 0, violations = 0;
        long acquired = 0, refused = 0;
        long plain = 0;
        Harness.OffLoop(() => ForEachTask(n => open = n, async t =>
        {
            var random = new Random(context.Seed + t);
            for (int i = 0; i < rounds; i++)
            {
                AsyncLock.Releaser releaser;
                var source = random.Next(3) == 0 ? chaos.Arm(t) : null;
                try
                {
                    releaser = await l.AcquireAsync(source?.Token ?? default);
                }
                catch (OperationCanceledException) when (source is not null)
                {
                    Interlocked.Increment(ref refused);
                    continue;
                }
                finally
                {
                    if (source is not null)
                    {
                        chaos.Disarm(t);
                        source.Dispose();
                    }
                }
                using (releaser)
                {
                    if (Interlocked.Increment(ref inside) != 1)
                        Interlocked.Increment(ref violations);
                    plain++;
                    if (i % 16 == 0)
                        await Task.Yield();
                    Interlocked.Decrement(ref inside);
                    Interlocked.Increment(ref acquired);
                }
            }
        }));
        Expect(context, "AsyncLock: mutual exclusion violations", 0, violations);
        Expect(context, "AsyncLock: acquisitions plus cancellations", (long)rounds * Tasks, acquired + refused);
        Expect(context, "AsyncLock: increments under the lock", acquired, plain);
        if (l.IsLocked || l.Statistics.TasksWaiting != 0)
            context.Figures.Fail($"AsyncLock: left {l} with {l.Statistics.TasksWaiting} waiting");

        context.Enter("AsyncSemaphore");
        var semaphore = new AsyncSemaphore(3, 3);
        var (semaphoreHigh, semaphoreDone) = SlotsUnderChaos(context, chaos, rounds, n => open = n,
            token => semaphore.AcquireAsync(token), semaphore.Release);
        if (semaphoreHigh is < 1 or > 3)
            context.Figures.Fail($"AsyncSemaphore(3): {semaphoreHigh} tasks inside at once");
        Expect(context, "AsyncSemaphore: operations", (long)rounds * Tasks, semaphoreDone);
        Expect(context, "AsyncSemaphore: units back", 3, semaphore.Value);

        context.Enter("CapacityLimiter");
        var limiter = new CapacityLimiter(2);
        var (limiterHigh, limiterDone) = SlotsUnderChaos(context, chaos, rounds, n => open = n,
            token => limiter.AcquireAsync(token), limiter.Release);
        if (limiterHigh is < 1 or > 2)
            context.Figures.Fail($"CapacityLimiter(2): {limiterHigh} borrowers at once");
        Expect(context, "CapacityLimiter: operations", (long)rounds * Tasks, limiterDone);
        Expect(context, "CapacityLimiter: tokens still borrowed", 0, limiter.BorrowedTokens);

        context.Enter("Condition");
        var condition = new Condition();
        var queue = new Queue<int>();
        var consumed = new ConcurrentBag<int>();
        int producersLeft = Tasks / 2;
        Harness.OffLoop(() => ForEachTask(n => open = n, async t =>
        {
            if (t < Tasks / 2)
            {
                for (int i = 0; i < rounds; i++)
                {
                    using (await condition.Lock.AcquireAsync())
                    {
                        queue.Enqueue(t * rounds + i);
                        condition.Notify();
                    }
                    if (i % 16 == 0)
                        await Task.Yield();
                }
                using (await condition.Lock.AcquireAsync())
                {
                    if (--producersLeft == 0)
                        condition.NotifyAll();
                }
                return;
            }
            while (true)
            {
                using (await condition.Lock.AcquireAsync())
                {
                    while (queue.Count == 0 && producersLeft > 0)
                        await condition.WaitAsync();
                    if (queue.Count == 0)
                        return;
                    consumed.Add(queue.Dequeue());
                }
            }
        }));
        var got = consumed.Order().ToList();
        Expect(context, "Condition: items consumed", (long)rounds * (Tasks / 2), got.Count);
        Expect(context, "Condition: distinct items", got.Count, got.Distinct().Count());
        context.Figures.AddDuplicated(got.Count - got.Distinct().Count());

        context.Enter("ParkingLot");
        var lot = new ParkingLot();
        long unparked = 0;
        int parkRounds = Math.Max(1, rounds / 4);
        Harness.OffLoop(async () =>
        {
            using var stop = new CancellationTokenSource();
            var waker = new Thread(() =>
            {
                var random = new Random(context.Seed);
                while (!stop.IsCancellationRequested)
                {
                    if (random.Next(2) == 0)
                        lot.Unpark(random.Next(1, 4));
                    else
                        lot.UnparkAll();
                    Thread.Yield();
                }
            }) { IsBackground = true, Name = "stress unparker" };
            waker.Start();
            try
            {
                await ForEachTask(n => open = n, async t =>
                {
                    for (int i = 0; i < parkRounds; i++)
                    {
                        await lot.ParkAsync();
                        Interlocked.Increment(ref unparked);
                    }
                });
            }
            finally
            {
                await stop.CancelAsync();
                waker.Join();
            }
        });
        Expect(context, "ParkingLot: wake-ups", (long)parkRounds * Tasks, Interlocked.Read(ref unparked));
        Expect(context, "ParkingLot: still parked", 0, lot.Count);

        context.Figures.AddItems(Interlocked.Read(ref woken) + Interlocked.Read(ref acquired) + semaphoreDone + limiterDone + got.Count + Interlocked.Read(ref unparked));
        if (chaos.Cancels == 0)
            context.Figures.Fail("the chaos thread never cancelled anything");
    }

    /// <summary>
    /// <see cref="Tasks"/> tasks each take a slot <paramref name="rounds"/> times (a third of the acquisitions armed for
    /// the chaos thread to cancel), hold it across a yield now and then, and give it back: returns the most tasks
    /// seen inside at once and the operations done (acquired-and-released plus cancelled).
    /// </summary>
    static (int High, long Done) SlotsUnderChaos(StressContext context, Chaos chaos, int rounds, Action<Nursery> opened,
        Func<CancellationToken, ValueTask> acquire, Action release)
    {
        int high = 0;
        int inside = 0;
        long done = 0;
        Harness.OffLoop(() => ForEachTask(opened, async t =>
        {
            var random = new Random(context.Seed + t);
            for (int i = 0; i < rounds; i++)
            {
                var source = random.Next(3) == 0 ? chaos.Arm(t) : null;
                try
                {
                    await acquire(source?.Token ?? default);
                }
                catch (OperationCanceledException) when (source is not null)
                {
                    Interlocked.Increment(ref done);
                    continue;
                }
                finally
                {
                    if (source is not null)
                    {
                        chaos.Disarm(t);
                        source.Dispose();
                    }
                }
                RaiseHigh(ref high, Interlocked.Increment(ref inside));
                if (i % 16 == 0)
                    await Task.Yield();
                Interlocked.Decrement(ref inside);
                Interlocked.Increment(ref done);
                release();
            }
        }));
        return (high, done);
    }

    static async Task ForEachTask(Action<Nursery> opened, Func<int, Task> body)
    {
        await Nursery.RunAsync(async n =>
        {
            opened(n);
            for (int t = 0; t < Tasks; t++)
            {
                int me = t;
                n.StartSoon(() => body(me), $"task {t}");
            }
            await Task.CompletedTask;
        });
    }

    static void RaiseHigh(ref int high, int now)
    {
        int seen;
        while (now > (seen = Volatile.Read(ref high)) && Interlocked.CompareExchange(ref high, now, seen) != seen)
        {
        }
    }

    static void Expect(StressContext context, string what, long expected, long actual)
    {
        if (expected != actual)
        {
            context.Figures.Fail($"{what}: expected {expected}, got {actual}");
            if (actual < expected)
                context.Figures.AddLost(expected - actual);
        }
    }
}
