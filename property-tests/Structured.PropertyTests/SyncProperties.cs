using FsCheck.Xunit;

namespace PropertyTests;

/// <summary>Locks exclude and hand off in FIFO order; semaphores never exceed their bound — under explored schedules, with cancelled waits.</summary>
public class SyncProperties
{
    static CancelScope ScopeFor(WorkerPlan worker)
        => worker.DeadlineSeconds is int d ? CancelScope.MoveOnAfter(TimeSpan.FromSeconds(d + 0.5)) : new CancelScope();

    [Property(MaxTest = Budget.Cases, Arbitrary = new[] { typeof(Schedules), typeof(Generators) })]
    public void A_lock_admits_one_task_at_a_time_and_hands_off_in_request_order(Schedule schedule, SyncPlan plan)
    {
        var requests = new List<(int Worker, int Iteration)>();
        var acquired = new List<(int Worker, int Iteration)>();
        var violations = new List<string>();
        OnFreshThread(() => TestLoop.Run(async () =>
        {
            var gate = new AsyncLock();
            int inside = 0;
            await Nursery.RunAsync(async n =>
            {
                for (int w = 0; w < plan.Workers.Length; w++)
                {
                    int id = w;
                    var me = plan.Workers[w];
                    n.StartSoon(async () =>
                    {
                        for (int it = 0; it < me.Iterations; it++)
                        {
                            int iteration = it;
                            for (int y = 0; y < me.YieldsBefore; y++)
                                await Checkpoint.YieldAsync();
                            await ScopeFor(me).RunAsync(async () =>
                            {
                                requests.Add((id, iteration));
                                using (await gate.AcquireAsync())
                                {
                                    acquired.Add((id, iteration));
                                    if (inside != 0)
                                        violations.Add($"worker {id} entered while {inside} held the lock");
                                    inside++;
                                    try
                                    {
                                        await Time.SleepAsync(TimeSpan.FromSeconds(me.HoldSeconds));
                                    }
                                    finally
                                    {
                                        inside--;
                                    }
                                }
                            });
                        }
                    }, $"worker-{w}");
                }
            });
            Assert.False(gate.IsLocked);
        }, schedule));

        Assert.Empty(violations);
        var admitted = new HashSet<(int, int)>(acquired);
        Assert.Equal(requests.Where(admitted.Contains).ToList(), acquired);
        Assert.All(plan.Workers.Select((w, i) => (w, i)).Where(x => x.w.DeadlineSeconds is null),
            x => Assert.Equal(x.w.Iterations, acquired.Count(a => a.Worker == x.i)));
    }

    [Property(MaxTest = Budget.Cases, Arbitrary = new[] { typeof(Schedules), typeof(Generators) })]
    public void A_semaphore_never_lets_more_than_its_permits_in_and_gets_them_all_back(Schedule schedule, SyncPlan plan)
    {
        var violations = new List<string>();
        int maxHolders = 0;
        OnFreshThread(() => TestLoop.Run(async () =>
        {
            var semaphore = new AsyncSemaphore(plan.Permits);
            int holders = 0;
            await Nursery.RunAsync(async n =>
            {
                for (int w = 0; w < plan.Workers.Length; w++)
                {
                    var me = plan.Workers[w];
                    n.StartSoon(async () =>
                    {
                        for (int it = 0; it < me.Iterations; it++)
                        {
                            for (int y = 0; y < me.YieldsBefore; y++)
                                await Checkpoint.YieldAsync();
                            await ScopeFor(me).RunAsync(async () =>
                            {
                                await semaphore.AcquireAsync();
                                holders++;
                                maxHolders = Math.Max(maxHolders, holders);
                                if (holders > plan.Permits)
                                    violations.Add($"{holders} holders of {plan.Permits} permits");
                                if (semaphore.Value < 0 || semaphore.Value + holders > plan.Permits)
                                    violations.Add($"value {semaphore.Value} with {holders} holders of {plan.Permits} permits");
                                try
                                {
                                    await Time.SleepAsync(TimeSpan.FromSeconds(me.HoldSeconds));
                                }
                                finally
                                {
                                    holders--;
                                    semaphore.Release();
                                }
                            });
                        }
                    }, $"worker-{w}");
                }
            });
            Assert.Equal(plan.Permits, semaphore.Value);
        }, schedule));

        Assert.Empty(violations);
        Assert.InRange(maxHolders, 0, plan.Permits);
    }
}
