using System.Collections.Concurrent;
using static SyncTests.SyncHarness;

namespace SyncTests;

/// <summary>
/// Every primitive off the loop, on the thread pool, with many tasks and cancellations racing the hand-offs:
/// mutual exclusion holds, nothing is lost, nothing hangs. Real time appears only in the watchdogs.
/// </summary>
[Collection("OffLoopStress")]
public class OffLoopStressTests
{
    static readonly TimeSpan Limit = Watchdog; // a hang guard (minutes), never a margin

    /// <summary>Cancels about every other token handed to it, from its own thread, while the test runs.</summary>
    sealed class Canceller : IDisposable
    {
        readonly ConcurrentQueue<CancellationTokenSource> _queue = new();
        readonly Thread _thread;
        volatile bool _stop;

        public Canceller()
        {
            _thread = new Thread(() =>
            {
                bool cancel = false;
                while (!_stop)
                {
                    if (_queue.TryDequeue(out var cts))
                    {
                        if (cancel = !cancel)
                            cts.Cancel();
                    }
                    else
                    {
                        Thread.Yield();
                    }
                }
            }) { IsBackground = true, Name = "canceller" };
            _thread.Start();
        }

        public CancellationToken Next()
        {
            var cts = new CancellationTokenSource();
            _queue.Enqueue(cts);
            return cts.Token;
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }
    }

    [Fact]
    public void AsyncLock_keeps_mutual_exclusion_under_racing_cancellations()
    {
        int inside = 0, violations = 0, acquired = 0, cancelled = 0;
        using var canceller = new Canceller();
        var l = new AsyncLock();
        OffLoopWithin(Limit, async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                for (int t = 0; t < 8; t++)
                {
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < 1500; i++)
                        {
                            AsyncLock.Releaser releaser;
                            try
                            {
                                releaser = await l.AcquireAsync(i % 3 == 0 ? canceller.Next() : default);
                            }
                            catch (OperationCanceledException)
                            {
                                Interlocked.Increment(ref cancelled);
                                continue;
                            }
                            using (releaser)
                            {
                                if (Interlocked.Increment(ref inside) != 1)
                                    Interlocked.Increment(ref violations);
                                acquired++;
                                if (i % 64 == 0)
                                    await Task.Yield();
                                Interlocked.Decrement(ref inside);
                            }
                        }
                    });
                }
            });
        });
        Assert.Equal(0, violations);
        Assert.Equal(8 * 1500, acquired + cancelled);
        Assert.False(l.IsLocked);
        Assert.Equal(0, l.Statistics.TasksWaiting);
    }

    [Fact]
    public void AsyncSemaphore_never_lends_more_than_its_units_and_loses_none()
    {
        int inside = 0, high = 0, done = 0;
        using var canceller = new Canceller();
        var s = new AsyncSemaphore(3, 3);
        OffLoopWithin(Limit, async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                for (int t = 0; t < 8; t++)
                {
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < 1500; i++)
                        {
                            try
                            {
                                await s.AcquireAsync(i % 3 == 1 ? canceller.Next() : default);
                            }
                            catch (OperationCanceledException)
                            {
                                Interlocked.Increment(ref done);
                                continue;
                            }
                            int now = Interlocked.Increment(ref inside);
                            int seen;
                            while (now > (seen = Volatile.Read(ref high)) && Interlocked.CompareExchange(ref high, now, seen) != seen) { }
                            if (i % 64 == 0)
                                await Task.Yield();
                            Interlocked.Decrement(ref inside);
                            Interlocked.Increment(ref done);
                            s.Release();
                        }
                    });
                }
            });
        });
        Assert.InRange(high, 1, 3);
        Assert.Equal(8 * 1500, done);
        Assert.Equal(3, s.Value);
    }

    [Fact]
    public void CapacityLimiter_survives_total_changes_and_cancellations_and_ends_with_every_token_back()
    {
        int done = 0;
        using var canceller = new Canceller();
        var c = new CapacityLimiter(2);
        OffLoopWithin(Limit, async () =>
        {
            using var stop = new CancellationTokenSource();
            var resizer = new Thread(() =>
            {
                int k = 0;
                while (!stop.IsCancellationRequested)
                {
                    c.TotalTokens = 1 + (k++ % 4);
                    Thread.Yield();
                }
            }) { IsBackground = true };
            resizer.Start();
            await Nursery.RunAsync(async n =>
            {
                for (int t = 0; t < 8; t++)
                {
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < 1000; i++)
                        {
                            try
                            {
                                await c.AcquireAsync(i % 4 == 2 ? canceller.Next() : default);
                            }
                            catch (OperationCanceledException)
                            {
                                Interlocked.Increment(ref done);
                                continue;
                            }
                            if (i % 64 == 0)
                                await Task.Yield();
                            Interlocked.Increment(ref done);
                            c.Release();
                        }
                    });
                }
            });
            stop.Cancel();
            resizer.Join();
        });
        Assert.Equal(8 * 1000, done);
        Assert.Equal(0, c.BorrowedTokens);
        Assert.Equal(0, c.Statistics.TasksWaiting);
    }

    [Fact]
    public void Condition_producers_and_consumers_lose_no_item_and_no_wakeup()
    {
        const int Producers = 4, Consumers = 4, PerProducer = 1000;
        var consumed = new ConcurrentBag<int>();
        var c = new Condition();
        OffLoopWithin(Limit, async () =>
        {
            var queue = new Queue<int>();
            int producersLeft = Producers;
            await Nursery.RunAsync(async n =>
            {
                for (int p = 0; p < Producers; p++)
                {
                    int k = p;
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < PerProducer; i++)
                        {
                            using (await c.Lock.AcquireAsync())
                            {
                                queue.Enqueue(k * PerProducer + i);
                                c.Notify();
                            }
                            if (i % 64 == 0)
                                await Task.Yield();
                        }
                        using (await c.Lock.AcquireAsync())
                        {
                            if (--producersLeft == 0)
                                c.NotifyAll();
                        }
                    });
                }
                for (int q = 0; q < Consumers; q++)
                {
                    n.StartSoon(async () =>
                    {
                        while (true)
                        {
                            using (await c.Lock.AcquireAsync())
                            {
                                while (queue.Count == 0 && producersLeft > 0)
                                    await c.WaitAsync();
                                if (queue.Count == 0)
                                    return;
                                consumed.Add(queue.Dequeue());
                            }
                        }
                    });
                }
            });
        });
        Assert.Equal(Enumerable.Range(0, Producers * PerProducer), consumed.Order());
        Assert.False(c.Lock.IsLocked);
    }

    [Fact]
    public void ParkingLot_unpark_and_repark_from_many_threads_wake_every_task()
    {
        const int Tasks = 200;
        int woken = 0;
        var lot1 = new ParkingLot();
        var lot2 = new ParkingLot();
        OffLoopWithin(Limit, async () =>
        {
            using var stop = new CancellationTokenSource();
            var helpers = Enumerable.Range(0, 3).Select(h => new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    switch (h)
                    {
                        case 0: lot1.Repark(lot2, 3); break;
                        case 1: lot2.Unpark(2); break;
                        default: lot2.ReparkAll(lot1); lot1.Unpark(); break;
                    }
                    Thread.Yield();
                }
            }) { IsBackground = true }).ToList();
            helpers.ForEach(t => t.Start());
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < Tasks; i++)
                {
                    n.StartSoon(async () =>
                    {
                        for (int round = 0; round < 5; round++)
                            await lot1.ParkAsync();
                        Interlocked.Increment(ref woken);
                    });
                }
            });
            stop.Cancel();
            helpers.ForEach(t => t.Join());
        });
        Assert.Equal(Tasks, woken);
        Assert.Equal(0, lot1.Count + lot2.Count);
    }
}
