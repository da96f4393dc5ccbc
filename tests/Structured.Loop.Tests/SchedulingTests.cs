namespace LoopTests;

public class SchedulingTests
{
    static List<string> Trace(LoopOptions options)
    {
        var record = new List<string>();
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                for (int t = 0; t < 5; t++)
                {
                    int id = t;
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < 4; i++) { record.Add($"{id}:{i}"); await Checkpoint.YieldAsync(); }
                    });
                }
            });
        }, options);
        return record;
    }

    [Fact]
    public void Fifo_runs_ready_tasks_round_robin_in_spawn_order()
    {
        var trace = Trace(new LoopOptions { Clock = AutoClock() });
        var expected = Enumerable.Range(0, 4).SelectMany(i => Enumerable.Range(0, 5).Select(id => $"{id}:{i}"));
        Assert.Equal(expected, trace);
    }

    [Fact]
    public void The_same_seed_gives_the_same_order_in_100_runs()
    {
        var first = Trace(new LoopOptions { Clock = AutoClock(), Seed = 42 });
        for (int run = 0; run < 100; run++)
            Assert.Equal(first, Trace(new LoopOptions { Clock = AutoClock(), Seed = 42 }));
    }

    [Fact]
    public void Different_seeds_give_different_orders()
    {
        var orders = Enumerable.Range(1, 10).Select(seed => string.Join(",", Trace(new LoopOptions { Clock = AutoClock(), Seed = seed }))).ToHashSet();
        Assert.True(orders.Count >= 5, $"10 seeds gave only {orders.Count} distinct orders");
    }

    [Fact]
    public void Scripted_choices_pick_positions_in_the_ready_queue_and_fall_back_to_fifo()
    {
        // main runs alone (no choice); then five children are ready: choice 3 runs child 3 first, the rest is FIFO.
        var trace = Trace(new LoopOptions { Clock = AutoClock(), Schedule = Schedule.FromChoices([3]) });
        Assert.Equal("3:0", trace[0]);
        Assert.Equal(new[] { "0:0", "1:0", "2:0", "4:0" }, trace.Skip(1).Take(4));
    }

    [Fact]
    public void An_empty_list_of_choices_is_fifo()
        => Assert.Equal(Trace(new LoopOptions { Clock = AutoClock() }), Trace(new LoopOptions { Clock = AutoClock(), Schedule = Schedule.FromChoices([]) }));

    [Fact]
    public void A_negative_choice_throws_ArgumentOutOfRangeException()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.FromChoices([1, -1]));
        Assert.Throws<ArgumentNullException>(() => Schedule.FromChoices(null!));
    }

    [Fact]
    public void A_choices_schedule_prints_the_line_that_replays_it()
        => Assert.Equal("Schedule.FromChoices(new[] { 2, 0, 7 })", Schedule.FromChoices([2, 0, 7]).ToString());

    [Fact]
    public void The_cooperative_budget_makes_a_task_of_non_blocking_operations_yield()
    {
        int observed = -1, done = 0;
        Run(async () =>
        {
            var ev = new Event();
            ev.Set();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { for (int i = 0; i < 1000; i++) { await ev.WaitAsync(); done++; } });
                n.StartSoon(async () => observed = done);
            });
        }, new LoopOptions { Clock = AutoClock(), CooperativeBudget = 10 });
        Assert.Equal(1000, done);
        Assert.InRange(observed, 1, 10);
    }
}
