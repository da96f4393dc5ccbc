namespace TestingTests;

/// <summary>
/// Small known bugs, each of the kind one strategy is built for: a lost update among many tasks, a depth-2 ordering
/// bug among many tasks (SCTBench's reorder), a deadlock between two locks, and an atomicity violation that needs
/// three preemptions. Every visible operation is followed by a yield, so that it is a choice point (as a shared
/// access is for a thread), and spawning is a choice point too (as pthread_create is) where the scenario says so.
/// </summary>
internal static class BugScenarios
{
    /// <summary><paramref name="tasks"/> tasks each read a shared counter, yield, and write it back plus one.</summary>
    internal static Func<Task> LostUpdate(int tasks) => async () =>
    {
        int counter = 0;
        await Nursery.RunAsync(async n =>
        {
            for (int i = 0; i < tasks; i++)
            {
                n.StartSoon(async () =>
                {
                    int v = counter;
                    await Checkpoint.YieldAsync();
                    counter = v + 1;
                }, $"incrementer-{i}");
            }
        });
        if (counter != tasks)
            throw new BugFoundException($"lost update: counter is {counter}, expected {tasks}");
    };

    /// <summary>
    /// SCTBench's reorder_N: <paramref name="setters"/> tasks each set a = 1, then b = -1; a checker created last reads
    /// a, then b, and fails on a mix. Each spawn is followed by a yield of the spawner (creation is a choice point).
    /// The bug needs the checker to read a before every setter's first step and b after one's second: depth 2.
    /// </summary>
    internal static Func<Task> Reorder(int setters) => async () =>
    {
        int a = 0, b = 0;
        await Nursery.RunAsync(async n =>
        {
            for (int i = 0; i < setters; i++)
            {
                n.StartSoon(async () =>
                {
                    a = 1;
                    await Checkpoint.YieldAsync();
                    b = -1;
                }, $"setter-{i}");
                await Checkpoint.YieldAsync();
            }
            n.StartSoon(async () =>
            {
                int ra = a;
                await Checkpoint.YieldAsync();
                int rb = b;
                if (!((ra == 0 && rb == 0) || (ra == 1 && rb == -1)))
                    throw new BugFoundException($"reorder: the checker read a = {ra}, b = {rb}");
            }, "checker");
            await Checkpoint.YieldAsync();
        });
    };

    /// <summary>
    /// SCTBench's twostage_N: <paramref name="writers"/> tasks each set data1 under one lock, then data2 = data1 + 1 under
    /// another (two stages that should be one); a reader created last takes the first lock and, when data1 is set, reads
    /// data2 under the second and finds it stale. The reader must get its steps in between one writer's two stages and
    /// before every other writer's second: among many writers, a run must let it go on for several steps in a row.
    /// </summary>
    internal static Func<Task> TwoStage(int writers) => async () =>
    {
        var first = new AsyncLock();
        var second = new AsyncLock();
        int data1 = 0, data2 = 0;
        await Nursery.RunAsync(async n =>
        {
            for (int i = 0; i < writers; i++)
            {
                n.StartSoon(async () =>
                {
                    using (await first.AcquireAsync()) { await Checkpoint.YieldAsync(); data1 = 1; await Checkpoint.YieldAsync(); }
                    await Checkpoint.YieldAsync();
                    using (await second.AcquireAsync()) { await Checkpoint.YieldAsync(); data2 = data1 + 1; await Checkpoint.YieldAsync(); }
                }, $"writer-{i}");
                await Checkpoint.YieldAsync();
            }
            n.StartSoon(async () =>
            {
                int seen;
                using (await first.AcquireAsync()) { await Checkpoint.YieldAsync(); seen = data1; await Checkpoint.YieldAsync(); }
                if (seen == 0)
                    return;
                await Checkpoint.YieldAsync();
                using (await second.AcquireAsync())
                {
                    await Checkpoint.YieldAsync();
                    if (data2 != seen + 1)
                        throw new BugFoundException($"twostage: data1 = {seen}, data2 = {data2}");
                }
            }, "reader");
            await Checkpoint.YieldAsync();
        });
    };

    /// <summary>Two tasks take two locks in opposite orders, with a yield between (an uncontended acquire does not yield).</summary>
    internal static async Task TwoLockDeadlock()
    {
        var left = new AsyncLock();
        var right = new AsyncLock();
        await Nursery.RunAsync(async n =>
        {
            n.StartSoon(async () =>
            {
                using (await left.AcquireAsync())
                {
                    await Checkpoint.YieldAsync();
                    using (await right.AcquireAsync())
                        await Checkpoint.YieldAsync();
                }
            }, "west");
            n.StartSoon(async () =>
            {
                using (await right.AcquireAsync())
                {
                    await Checkpoint.YieldAsync();
                    using (await left.AcquireAsync())
                        await Checkpoint.YieldAsync();
                }
            }, "east");
        });
    }

    /// <summary>
    /// An atomicity violation that needs three preemptions: task A does three read-yield-write increments of x by 1,
    /// task B three of x by 10; the bug shows only when every one of B's updates lands inside one of A's windows (all
    /// three lost: x ends at 3).
    /// </summary>
    internal static async Task ThreePreemptions()
    {
        int x = 0;
        await Nursery.RunAsync(async n =>
        {
            n.StartSoon(async () =>
            {
                for (int i = 0; i < 3; i++)
                {
                    int v = x;
                    await Checkpoint.YieldAsync();
                    x = v + 1;
                    await Checkpoint.YieldAsync();
                }
            }, "ones");
            n.StartSoon(async () =>
            {
                for (int i = 0; i < 3; i++)
                {
                    int v = x;
                    await Checkpoint.YieldAsync();
                    x = v + 10;
                    await Checkpoint.YieldAsync();
                }
            }, "tens");
        });
        if (x == 3)
            throw new BugFoundException("atomicity violation: all three updates of 'tens' were lost");
    }

    /// <summary>A child that fails on its own: the nursery raises an AggregateException of that one error.</summary>
    internal static async Task ChildFails()
    {
        await Nursery.RunAsync(async n =>
        {
            n.StartSoon(async () => { await Checkpoint.YieldAsync(); throw new BugFoundException("the child's own error"); }, "failing-child");
            n.StartSoon(async () => await Checkpoint.YieldAsync(), "bystander");
        });
    }
}
