namespace TestingTests;

/// <summary>The demonstrations with AsyncLock: the guarded counter passes, opposite lock order deadlocks.</summary>
public class LockDemonstrationTests
{
    [Fact]
    public void The_counter_guarded_by_an_AsyncLock_passes_1000_schedules()
        => OnFreshThread(() =>
        {
            ConcurrencyProperty.ForAll(Scenarios.GuardedCounter, runs: 1000, seed: 2024);
            return 0;
        });

    [Fact]
    public void Two_tasks_taking_two_locks_in_opposite_order_deadlock_and_the_report_names_both_tasks_and_both_locks()
    {
        var e = Record.Exception(() => OnFreshThread(() => TestLoop.Run(async () =>
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
                        using (await right.AcquireAsync()) { }
                    }
                }, "philosopher-west");
                n.StartSoon(async () =>
                {
                    using (await right.AcquireAsync())
                    {
                        await Checkpoint.YieldAsync();
                        using (await left.AcquireAsync()) { }
                    }
                }, "philosopher-east");
            });
        })));
        var deadlock = Assert.IsType<DeadlockException>(e);
        var west = Assert.Single(deadlock.BlockedTasks, l => l.Contains("'philosopher-west'", StringComparison.Ordinal));
        var east = Assert.Single(deadlock.BlockedTasks, l => l.Contains("'philosopher-east'", StringComparison.Ordinal));
        Assert.Contains("AsyncLock", west, StringComparison.Ordinal);
        Assert.Contains("AsyncLock", east, StringComparison.Ordinal);
        Assert.Contains("philosopher-west", deadlock.Message, StringComparison.Ordinal);
        Assert.Contains("philosopher-east", deadlock.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Exploration_finds_the_lock_order_deadlock_when_FIFO_hides_it()
    {
        // Under FIFO west holds both locks before east takes its first; a schedule that runs east early deadlocks.
        var e = Assert.Throws<ConcurrencyPropertyException>(() => OnFreshThread(() =>
        {
            ConcurrencyProperty.ForAll(async () =>
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
                            using (await right.AcquireAsync()) { }
                        }
                    }, "philosopher-west");
                    n.StartSoon(async () =>
                    {
                        await Checkpoint.YieldAsync();
                        await Checkpoint.YieldAsync();
                        using (await right.AcquireAsync())
                        {
                            await Checkpoint.YieldAsync();
                            using (await left.AcquireAsync()) { }
                        }
                    }, "philosopher-east");
                });
            }, seed: 4);
            return 0;
        }));
        Assert.IsType<DeadlockException>(e.InnerException);
        Assert.Contains("philosopher-west", e.Message, StringComparison.Ordinal);
        Assert.Contains("philosopher-east", e.Message, StringComparison.Ordinal);
    }
}
