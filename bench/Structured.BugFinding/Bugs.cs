using Structured;

namespace BugFinding;

/// <summary>
/// The bugs, for Structured.Testing. Written from the descriptions in Thomson, Donaldson and Betts, "Concurrency
/// testing using schedule bounding: an empirical study" (PPoPP 2014, SCTBench), not from their code, plus four of our
/// own. A shared access a thread would make is followed by a yield (a choice point, as each visible operation is for a
/// systematic tester); spawning is followed by a yield of the spawner (pthread_create and Coyote's Task.Run are
/// scheduling points); an uncontended AsyncLock.AcquireAsync does not yield, so a yield follows it too. The Coyote
/// twin (bench/Structured.BugFinding.Coyote/Bugs.cs) has the same yields as Task.Yield.
/// </summary>
internal static class Bugs
{
    static ValueTask Y() => Checkpoint.YieldAsync();

    static async Task Spawn(Nursery n, Func<Task> body, string name)
    {
        n.StartSoon(body, name);
        await Y();
    }

    /// <summary>account: a deposit and a withdrawal read-modify-write the balance unlocked; the check finds a lost update.</summary>
    internal static async Task Account()
    {
        int balance = 10;
        await Nursery.RunAsync(async n =>
        {
            await Spawn(n, async () => { int b = balance; await Y(); balance = b + 5; await Y(); }, "deposit");
            await Spawn(n, async () => { int b = balance; await Y(); balance = b - 3; await Y(); }, "withdraw");
        });
        if (balance != 12)
            throw new BugException($"account: balance {balance}, expected 12");
    }

    /// <summary>reorder_N: N - 1 setters write a = 1 then b = -1; a checker created last reads a then b and fails on a mix.</summary>
    internal static Func<Task> Reorder(int threads) => async () =>
    {
        int a = 0, b = 0;
        await Nursery.RunAsync(async n =>
        {
            for (int i = 0; i < threads - 1; i++)
                await Spawn(n, async () => { a = 1; await Y(); b = -1; await Y(); }, $"setter-{i}");
            await Spawn(n, async () =>
            {
                int ra = a;
                await Y();
                int rb = b;
                if (!((ra == 0 && rb == 0) || (ra == 1 && rb == -1)))
                    throw new BugException($"reorder: a = {ra}, b = {rb}");
            }, "checker");
        });
    };

    /// <summary>
    /// twostage_N: N - 1 writers set data1 under lock 1, then data2 = data1 + 1 under lock 2 (two stages that should be
    /// one); a reader takes lock 1, and if data1 is set, reads data2 under lock 2 and finds it stale.
    /// </summary>
    internal static Func<Task> TwoStage(int threads) => async () =>
    {
        var m1 = new AsyncLock();
        var m2 = new AsyncLock();
        int data1 = 0, data2 = 0;
        await Nursery.RunAsync(async n =>
        {
            for (int i = 0; i < threads - 1; i++)
            {
                await Spawn(n, async () =>
                {
                    using (await m1.AcquireAsync()) { await Y(); data1 = 1; await Y(); }
                    await Y(); // between the stages: the release and the next acquire are separate operations
                    using (await m2.AcquireAsync()) { await Y(); data2 = data1 + 1; await Y(); }
                }, $"writer-{i}");
            }
            await Spawn(n, async () =>
            {
                int t1;
                using (await m1.AcquireAsync()) { await Y(); t1 = data1; await Y(); }
                if (t1 == 0)
                    return;
                await Y();
                using (await m2.AcquireAsync())
                {
                    await Y();
                    if (data2 != t1 + 1)
                        throw new BugException($"twostage: data1 = {t1}, data2 = {data2}");
                }
            }, "reader");
        });
    };

    /// <summary>wronglock: two increments of one counter take two different locks; the check finds a lost update.</summary>
    internal static async Task WrongLock()
    {
        var lockA = new AsyncLock();
        var lockB = new AsyncLock();
        int counter = 0;
        await Nursery.RunAsync(async n =>
        {
            await Spawn(n, async () => { using (await lockA.AcquireAsync()) { await Y(); int v = counter; await Y(); counter = v + 1; await Y(); } }, "with-lock-a");
            await Spawn(n, async () => { using (await lockB.AcquireAsync()) { await Y(); int v = counter; await Y(); counter = v + 1; await Y(); } }, "with-lock-b");
        });
        if (counter != 2)
            throw new BugException($"wronglock: counter {counter}, expected 2");
    }

    /// <summary>deadlock01: two tasks take two locks in opposite orders.</summary>
    internal static async Task Deadlock01()
    {
        var a = new AsyncLock();
        var b = new AsyncLock();
        await Nursery.RunAsync(async n =>
        {
            await Spawn(n, async () => { using (await a.AcquireAsync()) { await Y(); using (await b.AcquireAsync()) await Y(); } }, "a-then-b");
            await Spawn(n, async () => { using (await b.AcquireAsync()) { await Y(); using (await a.AcquireAsync()) await Y(); } }, "b-then-a");
        });
    }

    /// <summary>
    /// carter01 (after Carter et al.'s example in SCTBench): a deadlock that needs a condition set by a third task first:
    /// one task takes a then b; the other takes b, and only when the flag is set, a.
    /// </summary>
    internal static async Task Carter01()
    {
        var a = new AsyncLock();
        var b = new AsyncLock();
        bool flag = false;
        await Nursery.RunAsync(async n =>
        {
            await Spawn(n, async () => { await Y(); flag = true; await Y(); }, "setter");
            await Spawn(n, async () => { using (await a.AcquireAsync()) { await Y(); using (await b.AcquireAsync()) await Y(); } }, "a-then-b");
            await Spawn(n, async () =>
            {
                using (await b.AcquireAsync())
                {
                    await Y();
                    if (flag)
                    {
                        using (await a.AcquireAsync())
                            await Y();
                    }
                }
            }, "b-then-maybe-a");
        });
    }

    /// <summary>
    /// bluetooth_driver (Qadeer and Wu's KISS example): an I/O entering the driver checks the stopping flag, then counts
    /// itself in; the stopper sets the flag, drops its own count and, when the count reaches zero, marks the driver
    /// stopped. An I/O that checked the flag before it was set works on a stopped driver.
    /// </summary>
    internal static async Task BluetoothDriver()
    {
        int pendingIo = 1;
        bool stoppingFlag = false, stoppingEvent = false, stopped = false;
        async Task Decrement()
        {
            int v = pendingIo - 1;
            await Y();
            pendingIo = v;
            await Y();
            if (v == 0)
                stoppingEvent = true;
            await Y();
        }
        await Nursery.RunAsync(async n =>
        {
            await Spawn(n, async () =>
            {
                bool stopping = stoppingFlag;
                await Y();
                if (stopping)
                    return;
                pendingIo++;
                await Y();
                if (stopped)
                    throw new BugException("bluetooth_driver: an I/O ran on a stopped driver");
                await Y();
                await Decrement();
            }, "add");
            await Spawn(n, async () =>
            {
                stoppingFlag = true;
                await Y();
                await Decrement();
                while (!stoppingEvent)
                    await Y();
                stopped = true;
                await Y();
            }, "stop");
        });
    }

    /// <summary>
    /// Missed wake-up: the consumer checks for data, then registers to be woken; the producer stores the data and wakes
    /// whoever is registered. A producer that runs between the check and the registration wakes nobody: the consumer
    /// waits forever (a deadlock).
    /// </summary>
    internal static async Task MissedWakeUp()
    {
        int data = 0;
        Event? waiter = null;
        await Nursery.RunAsync(async n =>
        {
            await Spawn(n, async () =>
            {
                if (data == 0)
                {
                    await Y();
                    var wake = new Event();
                    waiter = wake;
                    await wake.WaitAsync();
                }
            }, "consumer");
            await Spawn(n, async () =>
            {
                await Y();
                data = 1;
                await Y();
                waiter?.Set();
            }, "producer");
        });
    }

    /// <summary>A 3-preemption atomicity violation: all three of 'tens' read-yield-write updates land inside 'ones' windows.</summary>
    internal static async Task ThreePreemptions()
    {
        int x = 0;
        await Nursery.RunAsync(async n =>
        {
            await Spawn(n, async () => { for (int i = 0; i < 3; i++) { int v = x; await Y(); x = v + 1; await Y(); } }, "ones");
            await Spawn(n, async () => { for (int i = 0; i < 3; i++) { int v = x; await Y(); x = v + 10; await Y(); } }, "tens");
        });
        if (x == 3)
            throw new BugException("atomicity: all three updates of 'tens' were lost");
    }

    /// <summary>Use before init: a worker uses a resource that an initializer, spawned first, sets up after a yield.</summary>
    internal static async Task UseBeforeInit()
    {
        string? resource = null;
        await Nursery.RunAsync(async n =>
        {
            await Spawn(n, async () => { await Y(); await Y(); resource = "ready"; await Y(); }, "initializer");
            await Spawn(n, async () => { await Y(); await Y(); await Y(); if (resource is null) throw new BugException("use before init"); }, "worker");
        });
    }

    /// <summary>
    /// A channel bug: two producers share one send end (no clone); the first closes it when it is done, while the second
    /// may still be sending: a send on a closed channel.
    /// </summary>
    internal static async Task ChannelCloseRace()
    {
        var (send, receive) = MemoryChannel.Create<int>(4);
        await Nursery.RunAsync(async n =>
        {
            await Spawn(n, async () => { await send.SendAsync(1); await Y(); await send.SendAsync(2); await Y(); send.Close(); }, "producer-closes");
            await Spawn(n, async () =>
            {
                for (int i = 0; i < 3; i++)
                {
                    await Y();
                    try { await send.SendAsync(10 + i); }
                    catch (Exception e) when (e is not BugException) { throw new BugException($"channel: send on a closed channel ({e.GetType().Name})"); }
                }
            }, "producer-late");
            await Spawn(n, async () =>
            {
                try { while (true) { await receive.ReceiveAsync(); await Y(); } }
                catch (Exception e) when (e is not BugException) { /* closed: done */ }
            }, "consumer");
        });
    }
}
