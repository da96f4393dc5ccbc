namespace ChannelsTests;

/// <summary>
/// Select's fairness holds for each selecting task, whoever else selects on the same channels (issue 25, item 5): the
/// branch tried first turns with each select the task runs, so a branch that is ready stays untaken for fewer selects
/// than the select has branches, however the tasks interleave. A select built once and reused turns on its own.
/// </summary>
public sealed class SelectFairnessTests
{
    const int Selects = 100;

    public static TheoryData<int?> Seeds => new() { (int?)null, 1, 2, 3, 17, 12345 };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Workers_sharing_a_busy_job_channel_each_take_their_waiting_stop(int? seed)
    {
        // The issue's shape: two workers select on one shared, always-busy job channel and on their own control
        // channel, with a checkpoint between selects. Each must take its stop within two selects.
        var took = RunWorkers(seed, workers: 2, reuse: false);
        Assert.All(took, t => Assert.InRange(t, 1, 2));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Three_workers_with_reused_selects_each_take_their_waiting_stop(int? seed)
    {
        var took = RunWorkers(seed, workers: 3, reuse: true);
        Assert.All(took, t => Assert.InRange(t, 1, 2));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Each_of_several_tasks_selecting_on_the_same_ready_channels_sees_every_branch_win_in_turn(int? seed)
    {
        Run(async () =>
        {
            var channels = Enumerable.Range(0, 3).Select(_ => MemoryChannel.Create<int>(MemoryChannel.Unbounded)).ToArray();
            foreach (var (send, _) in channels)
            {
                for (int i = 0; i < 4 * 3 * 30; i++)
                    send.TrySend(i);
            }
            var wins = new int[4][];
            await Nursery.RunAsync(n =>
            {
                for (int w = 0; w < 4; w++)
                {
                    int worker = w;
                    wins[worker] = new int[3];
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < 30; i++)
                        {
                            int won = await Select
                                .Receive(channels[0].Receive, _ => 0)
                                .Receive(channels[1].Receive, _ => 1)
                                .Receive(channels[2].Receive, _ => 2)
                                .RunAsync();
                            wins[worker][won]++;
                            await Checkpoint.YieldAsync();
                        }
                    });
                }
                return Task.CompletedTask;
            });
            Assert.All(wins, w => Assert.Equal([10, 10, 10], w));
        }, new LoopOptions { Clock = AutoClock(), Seed = seed });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(99)]
    public void A_seeded_schedule_replays_the_same_winners(int seed)
    {
        Assert.Equal(Winners(seed), Winners(seed));
    }

    [Fact]
    public void Off_the_loop_workers_sharing_a_busy_job_channel_each_take_their_waiting_stop()
    {
        int[] took = new int[2];
        OffLoop(async () =>
        {
            var (jobsSend, jobs) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            for (int i = 0; i < 2 * Selects; i++)
                jobsSend.TrySend(i);
            await Nursery.RunAsync(n =>
            {
                for (int w = 0; w < 2; w++)
                {
                    int worker = w;
                    var (controlSend, control) = MemoryChannel.Create<string>(1);
                    controlSend.TrySend("stop");
                    n.StartSoon(async () => took[worker] = await WorkAsync(jobs, control, reuse: false));
                }
                return Task.CompletedTask;
            });
        });
        Assert.All(took, t => Assert.InRange(t, 1, 2));
    }

    [Fact]
    public void Code_outside_any_task_still_rotates()
    {
        // No task of Structured on this thread: the turn is the thread's.
        int a = OnFreshThread(() =>
        {
            var (sa, ra) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            var (sb, rb) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            for (int i = 0; i < Selects; i++)
            {
                sa.TrySend(i);
                sb.TrySend(i);
            }
            int fromA = 0;
            for (int i = 0; i < Selects; i++)
                fromA += Select.Receive(ra, _ => 1).Receive(rb, _ => 0).RunAsync().AsTask().GetAwaiter().GetResult();
            return fromA;
        });
        Assert.Equal(Selects / 2, a);
    }

    /// <summary>Runs the workers on a loop (FIFO or seeded); the number of selects each took to get its stop.</summary>
    static int[] RunWorkers(int? seed, int workers, bool reuse)
    {
        int[] took = new int[workers];
        Run(async () =>
        {
            var (jobsSend, jobs) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            for (int i = 0; i < workers * Selects; i++)
                jobsSend.TrySend(i);
            await Nursery.RunAsync(n =>
            {
                for (int w = 0; w < workers; w++)
                {
                    int worker = w;
                    var (controlSend, control) = MemoryChannel.Create<string>(1);
                    controlSend.TrySend("stop");
                    n.StartSoon(async () => took[worker] = await WorkAsync(jobs, control, reuse), $"worker {worker}");
                }
                return Task.CompletedTask;
            });
        }, new LoopOptions { Clock = AutoClock(), Seed = seed });
        return took;
    }

    /// <summary>Selects on the jobs and the control channel until it gets the stop; how many selects that took (0: never).</summary>
    static async Task<int> WorkAsync(ReceiveChannel<int> jobs, ReceiveChannel<string> control, bool reuse)
    {
        var reused = Select.Receive(jobs, _ => false).Receive(control, _ => true);
        for (int i = 1; i <= Selects; i++)
        {
            var select = reuse ? reused : Select.Receive(jobs, _ => false).Receive(control, _ => true);
            if (await select.RunAsync())
                return i;
            await Checkpoint.YieldAsync();
        }
        return 0;
    }

    /// <summary>Which worker's branch won each select, in order, on a seeded loop.</summary>
    static List<string> Winners(int seed)
    {
        var log = new List<string>();
        Run(async () =>
        {
            var (aSend, a) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            var (bSend, b) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            for (int i = 0; i < 200; i++)
            {
                aSend.TrySend(i);
                bSend.TrySend(i);
            }
            await Nursery.RunAsync(n =>
            {
                for (int w = 0; w < 3; w++)
                {
                    int worker = w;
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < 20; i++)
                        {
                            log.Add($"{worker}:{await Select.Receive(a, x => $"a{x}").Receive(b, x => $"b{x}").RunAsync()}");
                            await Checkpoint.YieldAsync();
                        }
                    });
                }
                return Task.CompletedTask;
            });
        }, new LoopOptions { Clock = AutoClock(), Seed = seed });
        return log;
    }
}
