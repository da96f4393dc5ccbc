namespace BugFinding.Coyote;

/// <summary>
/// The bugs of bench/Structured.BugFinding/Bugs.cs as plain .NET Tasks for Coyote: Task.Run to spawn (a scheduling point
/// for Coyote), Task.Yield where ours yields, SemaphoreSlim(1, 1) for a lock, TaskCompletionSource for an event, and a
/// small channel of our own (Coyote does not control System.Threading.Channels). Joins use Task.WhenAll over an array
/// (Coyote does not control the ReadOnlySpan overload).
/// </summary>
internal static class Bugs
{
    static System.Runtime.CompilerServices.YieldAwaitable Y() => Task.Yield();

    static Task WhenAll(List<Task> tasks) => Task.WhenAll(tasks.ToArray());

    internal static async Task Account()
    {
        int balance = 10;
        var tasks = new List<Task>
        {
            Task.Run(async () => { int b = balance; await Y(); balance = b + 5; await Y(); }),
            Task.Run(async () => { int b = balance; await Y(); balance = b - 3; await Y(); }),
        };
        await WhenAll(tasks);
        if (balance != 12)
            throw new BugException($"account: balance {balance}, expected 12");
    }

    internal static Func<Task> Reorder(int threads) => async () =>
    {
        int a = 0, b = 0;
        var tasks = new List<Task>();
        for (int i = 0; i < threads - 1; i++)
            tasks.Add(Task.Run(async () => { a = 1; await Y(); b = -1; await Y(); }));
        tasks.Add(Task.Run(async () =>
        {
            int ra = a;
            await Y();
            int rb = b;
            if (!((ra == 0 && rb == 0) || (ra == 1 && rb == -1)))
                throw new BugException($"reorder: a = {ra}, b = {rb}");
        }));
        await WhenAll(tasks);
    };

    internal static Func<Task> TwoStage(int threads) => async () =>
    {
        var m1 = new SemaphoreSlim(1, 1);
        var m2 = new SemaphoreSlim(1, 1);
        int data1 = 0, data2 = 0;
        var tasks = new List<Task>();
        for (int i = 0; i < threads - 1; i++)
        {
            tasks.Add(Task.Run(async () =>
            {
                await m1.WaitAsync(); await Y(); data1 = 1; await Y(); m1.Release(); await Y();
                await m2.WaitAsync(); await Y(); data2 = data1 + 1; await Y(); m2.Release();
            }));
        }
        tasks.Add(Task.Run(async () =>
        {
            await m1.WaitAsync(); await Y(); int t1 = data1; await Y(); m1.Release();
            if (t1 == 0)
                return;
            await Y();
            await m2.WaitAsync();
            await Y();
            if (data2 != t1 + 1)
                throw new BugException($"twostage: data1 = {t1}, data2 = {data2}");
            m2.Release();
        }));
        await WhenAll(tasks);
    };

    internal static async Task WrongLock()
    {
        var lockA = new SemaphoreSlim(1, 1);
        var lockB = new SemaphoreSlim(1, 1);
        int counter = 0;
        var tasks = new List<Task>
        {
            Task.Run(async () => { await lockA.WaitAsync(); await Y(); int v = counter; await Y(); counter = v + 1; await Y(); lockA.Release(); }),
            Task.Run(async () => { await lockB.WaitAsync(); await Y(); int v = counter; await Y(); counter = v + 1; await Y(); lockB.Release(); }),
        };
        await WhenAll(tasks);
        if (counter != 2)
            throw new BugException($"wronglock: counter {counter}, expected 2");
    }

    internal static async Task Deadlock01()
    {
        var a = new SemaphoreSlim(1, 1);
        var b = new SemaphoreSlim(1, 1);
        var tasks = new List<Task>
        {
            Task.Run(async () => { await a.WaitAsync(); await Y(); await b.WaitAsync(); await Y(); b.Release(); a.Release(); }),
            Task.Run(async () => { await b.WaitAsync(); await Y(); await a.WaitAsync(); await Y(); a.Release(); b.Release(); }),
        };
        await WhenAll(tasks);
    }

    internal static async Task Carter01()
    {
        var a = new SemaphoreSlim(1, 1);
        var b = new SemaphoreSlim(1, 1);
        bool flag = false;
        var tasks = new List<Task>
        {
            Task.Run(async () => { await Y(); flag = true; await Y(); }),
            Task.Run(async () => { await a.WaitAsync(); await Y(); await b.WaitAsync(); await Y(); b.Release(); a.Release(); }),
            Task.Run(async () =>
            {
                await b.WaitAsync();
                await Y();
                if (flag)
                {
                    await a.WaitAsync();
                    await Y();
                    a.Release();
                }
                b.Release();
            }),
        };
        await WhenAll(tasks);
    }

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
        var tasks = new List<Task>
        {
            Task.Run(async () =>
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
            }),
            Task.Run(async () =>
            {
                stoppingFlag = true;
                await Y();
                await Decrement();
                while (!stoppingEvent)
                    await Y();
                stopped = true;
                await Y();
            }),
        };
        await WhenAll(tasks);
    }

    internal static async Task MissedWakeUp()
    {
        int data = 0;
        TaskCompletionSource? waiter = null;
        var tasks = new List<Task>
        {
            Task.Run(async () =>
            {
                if (data == 0)
                {
                    await Y();
                    var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    waiter = wake;
                    await wake.Task;
                }
            }),
            Task.Run(async () =>
            {
                await Y();
                data = 1;
                await Y();
                waiter?.TrySetResult();
            }),
        };
        await WhenAll(tasks);
    }

    internal static async Task ThreePreemptions()
    {
        int x = 0;
        var tasks = new List<Task>
        {
            Task.Run(async () => { for (int i = 0; i < 3; i++) { int v = x; await Y(); x = v + 1; await Y(); } }),
            Task.Run(async () => { for (int i = 0; i < 3; i++) { int v = x; await Y(); x = v + 10; await Y(); } }),
        };
        await WhenAll(tasks);
        if (x == 3)
            throw new BugException("atomicity: all three updates of 'tens' were lost");
    }

    internal static async Task UseBeforeInit()
    {
        string? resource = null;
        var tasks = new List<Task>
        {
            Task.Run(async () => { await Y(); await Y(); resource = "ready"; await Y(); }),
            Task.Run(async () => { await Y(); await Y(); await Y(); if (resource is null) throw new BugException("use before init"); }),
        };
        await WhenAll(tasks);
    }

    internal static async Task ChannelCloseRace()
    {
        var channel = new TinyChannel(4);
        var tasks = new List<Task>
        {
            Task.Run(async () => { await channel.SendAsync(1); await Y(); await channel.SendAsync(2); await Y(); channel.Close(); }),
            Task.Run(async () =>
            {
                for (int i = 0; i < 3; i++)
                {
                    await Y();
                    try { await channel.SendAsync(10 + i); }
                    catch (InvalidOperationException e) { throw new BugException($"channel: send on a closed channel ({e.GetType().Name})"); }
                }
            }),
            Task.Run(async () =>
            {
                while (await channel.ReceiveAsync() is not null)
                    await Y();
            }),
        };
        await WhenAll(tasks);
    }
}
