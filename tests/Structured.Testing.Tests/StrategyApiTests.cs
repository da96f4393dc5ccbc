namespace TestingTests;

/// <summary>The public strategy API: a user's ScheduleStrategy sees stable task ids, creation, readiness and exits, and picks the next task.</summary>
public class StrategyApiTests
{
    /// <summary>Always the back of the ready queue (the newest callback), and a log of what it was told.</summary>
    sealed class NewestFirst(List<string> log) : ScheduleStrategy
    {
        public override int Choose(ReadySet ready)
        {
            var ids = Enumerable.Range(0, ready.Count).Select(i => ready[i]);
            log.Add($"choose#{ready.ChoicePoint} [{string.Join(",", ids)}] last {ready.LastTaskId}");
            return ready.Count - 1;
        }

        public override void TaskCreated(int taskId, int creatorId) => log.Add($"created {taskId} by {creatorId}");

        public override void TaskCompleted(int taskId) => log.Add($"completed {taskId}");
    }

    static async Task TwoChildren(List<string> order)
    {
        await Nursery.RunAsync(async n =>
        {
            n.StartSoon(async () => { order.Add("a1"); await Checkpoint.YieldAsync(); order.Add("a2"); }, "a");
            n.StartSoon(async () => { order.Add("b1"); await Checkpoint.YieldAsync(); order.Add("b2"); }, "b");
        });
    }

    [Fact]
    public void A_user_strategy_picks_the_next_task_and_is_told_of_tasks_by_stable_ids()
    {
        List<string> Once()
        {
            var log = new List<string>();
            var order = new List<string>();
            OnFreshThread(() => TestLoop.Run(() => TwoChildren(order), Schedule.FromStrategy(() => new NewestFirst(log), "newest-first")));
            log.Add(string.Join(" ", order));
            return log;
        }
        var first = Once();
        Assert.Equal(first, Once()); // the same ids and calls every run
        Assert.Contains("created 1 by 0", first);   // the main task
        Assert.Contains("created 2 by 1", first);   // 'a', spawned by main
        Assert.Contains("created 3 by 1", first);
        Assert.Contains("completed 2", first);
        Assert.Contains(first, l => l.StartsWith("choose#0 [", StringComparison.Ordinal));
        Assert.Equal("b1 b2 a1 a2", first[^1]);     // newest first: b before a, and b's own yield is newer than a
    }

    [Fact]
    public void The_trace_records_a_user_strategy_s_choices_so_its_run_replays()
    {
        var order = new List<string>();
        var trace = OnFreshThread(() => TestLoop.Run(() => TwoChildren(order), Schedule.FromStrategy(() => new NewestFirst([]))));
        var replayed = new List<string>();
        OnFreshThread(() => TestLoop.Run(() => TwoChildren(replayed), trace.Replay));
        Assert.Equal(order, replayed);
        Assert.StartsWith("Schedule.FromStrategy(", trace.Schedule.ToString(), StringComparison.Ordinal);
    }

    sealed class OutOfRange : ScheduleStrategy
    {
        public override int Choose(ReadySet ready) => ready.Count;
    }

    [Fact]
    public void A_choice_out_of_range_ends_the_run_with_InvalidOperationException_naming_the_strategy()
    {
        var e = Assert.Throws<InvalidOperationException>(() => OnFreshThread(() => TestLoop.Run(() => TwoChildren([]), Schedule.FromStrategy(() => new OutOfRange(), "broken"))));
        Assert.Contains("'broken'", e.Message, StringComparison.Ordinal);
        Assert.Contains("ReadySet.Count - 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_factory_that_returns_null_fails_the_run_and_a_null_factory_throws_at_once()
    {
        Assert.Throws<ArgumentNullException>(() => Schedule.FromStrategy(null!));
        var e = Assert.Throws<InvalidOperationException>(() => OnFreshThread(() => TestLoop.Run(() => TwoChildren([]), Schedule.FromStrategy(() => null!, "nothing"))));
        Assert.Contains("returned null", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_strategy_works_on_a_plain_loop_too()
    {
        var order = new List<string>();
        Run(() => TwoChildren(order), new LoopOptions { Clock = AutoClock(), Schedule = Schedule.FromStrategy(() => new NewestFirst([])) });
        Assert.Equal(["b1", "b2", "a1", "a2"], order);
    }

    [Fact]
    public void ReadySet_checks_its_positions_and_finds_a_task()
    {
        int found = -2;
        Exception? outOfRange = null;
        var strategy = new Probe(ready =>
        {
            found = ready.IndexOf(ready[ready.Count - 1]);
            try { _ = ready[ready.Count]; } catch (ArgumentOutOfRangeException e) { outOfRange = e; }
        });
        OnFreshThread(() => TestLoop.Run(() => TwoChildren([]), Schedule.FromStrategy(() => strategy)));
        Assert.True(found >= 0);
        Assert.NotNull(outOfRange);
    }

    sealed class Probe(Action<ReadySet> look) : ScheduleStrategy
    {
        public override int Choose(ReadySet ready)
        {
            look(ready);
            return 0;
        }
    }

    [Fact]
    public void Pct_Pos_and_RandomWalk_schedules_are_reproducible_by_seed()
    {
        foreach (var make in new Func<int, Schedule>[] { s => Schedules.Pct(s, 2, 10), Schedules.Pos, s => Schedules.RandomWalk(s, 0.5) })
        {
            var a = OnFreshThread(() => TestLoop.Run(BugScenarios.LostUpdate(4) is var body ? async () => { try { await body(); } catch (BugFoundException) { } } : null!, make(11)));
            var b = OnFreshThread(() => TestLoop.Run(BugScenarios.LostUpdate(4) is var body ? async () => { try { await body(); } catch (BugFoundException) { } } : null!, make(11)));
            Assert.Equal(a.Choices, b.Choices);
        }
    }
}
