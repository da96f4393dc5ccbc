namespace TestingTests;

/// <summary>The scenarios of the demonstrations: a racy counter and the same counter under an AsyncLock.</summary>
internal static class Scenarios
{
    /// <summary>Two tasks read a shared counter, checkpoint, and write it back: FIFO passes, some schedules lose an update.</summary>
    internal static Task RacyCounter() => RacyCounter(bystanders: 0);

    /// <summary>The racy pair of <see cref="RacyCounter()"/>, spawned after <paramref name="bystanders"/> tasks that each yield three times.</summary>
    internal static async Task RacyCounter(int bystanders)
    {
        int counter = 0;
        await Nursery.RunAsync(async n =>
        {
            for (int i = 0; i < bystanders; i++)
                n.StartSoon(async () => { for (int k = 0; k < 3; k++) await Checkpoint.YieldAsync(); }, $"bystander-{i}");
            n.StartSoon(async () =>
            {
                int v = counter;
                await Checkpoint.YieldAsync();
                counter = v + 1;
            }, "incrementer-A");
            n.StartSoon(async () =>
            {
                await Checkpoint.YieldAsync();
                await Checkpoint.YieldAsync();
                int v = counter;
                await Checkpoint.YieldAsync();
                counter = v + 1;
            }, "incrementer-B");
        });
        if (counter != 2)
            throw new LostUpdateException(counter);
    }

    /// <summary>The same counter with the read-modify-write under an AsyncLock: no schedule loses an update.</summary>
    internal static async Task GuardedCounter()
    {
        int counter = 0;
        var gate = new AsyncLock();
        await Nursery.RunAsync(async n =>
        {
            n.StartSoon(async () =>
            {
                using (await gate.AcquireAsync())
                {
                    int v = counter;
                    await Checkpoint.YieldAsync();
                    counter = v + 1;
                }
            }, "incrementer-A");
            n.StartSoon(async () =>
            {
                await Checkpoint.YieldAsync();
                await Checkpoint.YieldAsync();
                using (await gate.AcquireAsync())
                {
                    int v = counter;
                    await Checkpoint.YieldAsync();
                    counter = v + 1;
                }
            }, "incrementer-B");
        });
        if (counter != 2)
            throw new LostUpdateException(counter);
    }
}
