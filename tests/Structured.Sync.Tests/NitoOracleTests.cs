using FsCheck;
using FsCheck.Fluent;
using NitoConditionVariable = Nito.AsyncEx.AsyncConditionVariable;
using static SyncTests.SyncHarness;

namespace SyncTests;

/// <summary>
/// Nito.AsyncEx as a differential oracle (docs/decisions/0003-nito-asyncex-as-oracle.md): FsCheck generates
/// scripts of acquire / release / cancel commands for a few tasks; each script drives our primitive and Nito's
/// on the same deterministic loop, and after every command (and a settle) the observable state must agree,
/// and agree with a plain FIFO model. Compared: who holds, who waits, the order of acquisitions (FIFO hand-off,
/// mutual exclusion, no lost wake-up). Not compared: what differs by design (a cancelled token on a free
/// lock: Nito takes the lock, we throw; Nito's cancellation is edge-triggered, ours level-triggered), so the
/// scripts only cancel tasks that wait.
/// </summary>
public class NitoOracleTests
{
    const int Tasks = 3;

    static readonly Config Checks = Config.QuickThrowOnFailure.WithMaxTest(200).WithReplay(20_240_501UL, 7UL);

    /// <summary>A lock-like object under test: acquire with a token, release by disposing what it gave.</summary>
    delegate Task<IDisposable> Acquire(CancellationToken token);

    sealed class Releasing(Action release) : IDisposable
    {
        public void Dispose() => release();
    }

    enum Command { Acquire, Release, Cancel }

    static (Command Kind, int Task) Decode(int raw)
    {
        int u = ((raw % (3 * Tasks)) + 3 * Tasks) % (3 * Tasks);
        return ((Command)(u / Tasks), u % Tasks);
    }

    /// <summary>
    /// Runs the script against <paramref name="make"/>'s lock-like object with <paramref name="units"/> units
    /// (1 for a lock) and returns one line per command: every task's status, then the acquisitions so far.
    /// </summary>
    static List<string> Drive(int[] script, int units, Func<(Acquire Acquire, Func<int> Value)> make)
    {
        var lines = new List<string>();
        Run(async () =>
        {
            var (acquire, value) = make();
            var status = Enumerable.Repeat("idle", Tasks).ToArray();
            var releases = new Event?[Tasks];
            var cancels = new CancellationTokenSource?[Tasks];
            var acquisitions = new List<int>();
            int inside = 0;
            await Nursery.RunAsync(async n =>
            {
                void Start(int i)
                {
                    status[i] = "waiting";
                    var release = releases[i] = new Event();
                    var token = (cancels[i] = new CancellationTokenSource()).Token;
                    n.StartSoon(async () =>
                    {
                        IDisposable key;
                        try
                        {
                            key = await acquire(token);
                        }
                        catch (OperationCanceledException)
                        {
                            status[i] = "idle";
                            return;
                        }
                        status[i] = "holding";
                        acquisitions.Add(i);
                        Assert.True(++inside <= units, "more holders than units");
                        await release.WaitAsync();
                        inside--;
                        status[i] = "idle";
                        key.Dispose();
                    });
                }

                foreach (var raw in script)
                {
                    var (kind, i) = Decode(raw);
                    switch (kind)
                    {
                        case Command.Acquire when status[i] == "idle": Start(i); break;
                        case Command.Release when status[i] == "holding": releases[i]!.Set(); break;
                        case Command.Cancel when status[i] == "waiting": cancels[i]!.Cancel(); break;
                    }
                    await Settle();
                    lines.Add($"{string.Join(",", status)} | value {value()} | {string.Join(" ", acquisitions)}");
                }
                // Drain: release the holders and cancel the waiters until everybody is idle.
                while (status.Any(s => s != "idle"))
                {
                    for (int i = 0; i < Tasks; i++)
                    {
                        if (status[i] == "holding")
                            releases[i]!.Set();
                        else if (status[i] == "waiting")
                            cancels[i]!.Cancel();
                    }
                    await Settle();
                }
                lines.Add($"drained | value {value()} | {string.Join(" ", acquisitions)}");
            });
        });
        return lines;
    }

    /// <summary>The same script on a plain model: a counter of free units and a FIFO queue of waiters.</summary>
    static List<string> Model(int[] script, int units)
    {
        var lines = new List<string>();
        var status = Enumerable.Repeat("idle", Tasks).ToArray();
        var queue = new List<int>();
        var acquisitions = new List<int>();
        int free = units;
        foreach (var raw in script)
        {
            var (kind, i) = Decode(raw);
            switch (kind)
            {
                case Command.Acquire when status[i] == "idle":
                    if (free > 0 && queue.Count == 0)
                    {
                        free--;
                        status[i] = "holding";
                        acquisitions.Add(i);
                    }
                    else
                    {
                        status[i] = "waiting";
                        queue.Add(i);
                    }
                    break;
                case Command.Release when status[i] == "holding":
                    status[i] = "idle";
                    if (queue.Count > 0)
                    {
                        int next = queue[0];
                        queue.RemoveAt(0);
                        status[next] = "holding";
                        acquisitions.Add(next);
                    }
                    else
                    {
                        free++;
                    }
                    break;
                case Command.Cancel when status[i] == "waiting":
                    queue.Remove(i);
                    status[i] = "idle";
                    break;
            }
            lines.Add($"{string.Join(",", status)} | value {free} | {string.Join(" ", acquisitions)}");
        }
        return lines;
    }

    static Arbitrary<int[]> Scripts => ArbMap.Default.ArbFor<int[]>();

    [Fact]
    public void AsyncLock_agrees_with_Nitos_AsyncLock_and_with_a_FIFO_model()
    {
        Prop.ForAll(Scripts, script =>
        {
            var ours = Drive(script, 1, () =>
            {
                var l = new Structured.AsyncLock();
                return (async token => await l.AcquireAsync(token), () => l.IsLocked ? 0 : 1);
            });
            var nito = Drive(script, 1, () =>
            {
                var l = new Nito.AsyncEx.AsyncLock();
                int held = 0;
                return (async token =>
                {
                    var key = await l.LockAsync(token);
                    held = 1;
                    return new Releasing(() => { held = 0; key.Dispose(); });
                }, () => 1 - held);
            });
            Assert.Equal(nito, ours);
            Assert.Equal(Model(script, 1), ours.Take(script.Length));
        }).Check(Checks);
    }

    [Fact]
    public void AsyncSemaphore_agrees_with_Nitos_AsyncSemaphore_and_with_a_FIFO_model()
    {
        foreach (int units in new[] { 0, 1, 2 })
        {
            Prop.ForAll(Scripts, script =>
            {
                // Starting below the task count, releases of never-acquired units are not in the scripts.
                var ours = Drive(script, Math.Max(units, 1), () =>
                {
                    var s = new Structured.AsyncSemaphore(units);
                    return (async token =>
                    {
                        await s.AcquireAsync(token);
                        return new Releasing(s.Release);
                    }, () => s.Value);
                });
                var nito = Drive(script, Math.Max(units, 1), () =>
                {
                    var s = new Nito.AsyncEx.AsyncSemaphore(units);
                    return (async token =>
                    {
                        await s.WaitAsync(token);
                        return new Releasing(() => s.Release());
                    }, () => (int)s.CurrentCount);
                });
                Assert.Equal(nito, ours);
                Assert.Equal(Model(script, units), ours.Take(script.Length));
            }).Check(Checks.WithMaxTest(60));
        }
    }

    [Fact]
    public void Condition_loses_no_item_and_no_wakeup_like_Nitos_AsyncConditionVariable()
    {
        // Nito's condition variable resumes through the thread pool (ConfigureAwait(false)), so step-by-step
        // states differ in timing; what must agree is the outcome: every item consumed once, every consumer done.
        var notifyAll = ArbMap.Default.ArbFor<bool[]>();
        Prop.ForAll(notifyAll, plan =>
        {
            var ours = Consume(plan, () =>
            {
                var c = new Condition();
                return (async () => await c.Lock.AcquireAsync(), token => c.WaitAsync(token).AsTask(), () => c.Notify(), c.NotifyAll);
            });
            var nito = Consume(plan, () =>
            {
                var l = new Nito.AsyncEx.AsyncLock();
                var c = new NitoConditionVariable(l);
                return (async () => await l.LockAsync(), c.WaitAsync, c.Notify, c.NotifyAll);
            });
            var expected = Enumerable.Range(0, plan.Length).ToList();
            Assert.Equal(expected, ours);
            Assert.Equal(expected, nito);
        }).Check(Checks.WithMaxTest(60));
    }

    /// <summary>
    /// Three consumers take items from a queue guarded by the condition's lock, waiting while it is empty;
    /// the driver produces one item per plan entry and wakes one consumer (false) or all (true).
    /// </summary>
    static List<int> Consume(bool[] plan, Func<(Func<Task<IDisposable>> Lock, Func<CancellationToken, Task> Wait, Action Notify, Action NotifyAll)> make)
    {
        var consumed = new List<int>();
        Run(async () =>
        {
            var (acquire, wait, notify, notifyAllWaiters) = make();
            var queue = new Queue<int>();
            bool finished = false;
            await Nursery.RunAsync(async n =>
            {
                for (int k = 0; k < 3; k++)
                {
                    n.StartSoon(async () =>
                    {
                        while (true)
                        {
                            using (await acquire())
                            {
                                while (queue.Count == 0 && !finished)
                                    await wait(default);
                                if (queue.Count == 0)
                                    return;
                                lock (consumed)
                                    consumed.Add(queue.Dequeue());
                            }
                            await Checkpoint.YieldAsync();
                        }
                    });
                }
                await Settle();
                for (int item = 0; item < plan.Length; item++)
                {
                    using (await acquire())
                    {
                        queue.Enqueue(item);
                        if (plan[item])
                            notifyAllWaiters();
                        else
                            notify();
                    }
                    await Checkpoint.YieldAsync();
                }
                using (await acquire())
                {
                    finished = true;
                    notifyAllWaiters();
                }
            });
        });
        consumed.Sort();
        return consumed;
    }
}
