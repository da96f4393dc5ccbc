namespace TestingTests;

/// <summary>Each built-in strategy finds a known bug of its kind, the same way every time for a given seed.</summary>
public class StrategyTests
{
    static ConcurrencyPropertyException Find(Func<Task> body, Func<ExplorationStrategy> strategy, int seed, int maxSchedules)
        => PropertyFailure.Of(
            () => ConcurrencyProperty.ForAll(body, new ExplorationOptions { Strategy = strategy(), Seed = seed, MaxSchedules = maxSchedules, MaxShrinkRuns = 200 }),
            $"seed {seed}: {strategy().Name} did not find the bug in {maxSchedules} schedules");

    static void FindsInEverySeed(Func<Task> body, Func<ExplorationStrategy> strategy, int maxSchedules)
    {
        for (int seed = 0; seed < 5; seed++)
        {
            var first = Find(body, strategy, seed, maxSchedules);
            Assert.IsType<BugFoundException>(first.InnerException);
            var again = Find(body, strategy, seed, maxSchedules);
            Assert.Equal(first.FailingRun, again.FailingRun);
            Assert.Equal(first.FirstFailingChoices, again.FirstFailingChoices);
            var replayed = Assert.ThrowsAny<Exception>(() => OnFreshThread(() => TestLoop.Run(body, first.Schedule)));
            Assert.IsType<BugFoundException>(replayed is AggregateException { InnerExceptions.Count: 1 } one ? one.InnerExceptions[0] : replayed);
        }
    }

    [Fact]
    public void Pct_of_depth_2_finds_the_reorder_bug_among_ten_setters()
        => FindsInEverySeed(BugScenarios.Reorder(10), () => ExplorationStrategy.Pct(2), 3000);

    [Fact]
    public void Pct_with_the_step_after_a_spawn_not_a_choice_point_finds_the_reorder_bug_among_twenty_setters()
        => FindsInEverySeed(BugScenarios.Reorder(20), () => ExplorationStrategy.Pct(3, spawnIsChoicePoint: false), 3000);

    [Fact]
    public void Pct_of_depth_3_finds_the_reorder_bug_among_three_setters()
        => FindsInEverySeed(BugScenarios.Reorder(3), () => ExplorationStrategy.Pct(3), 500);

    [Fact]
    public void Pos_finds_the_lost_update_among_five_tasks()
        => FindsInEverySeed(BugScenarios.LostUpdate(5), ExplorationStrategy.Pos, 100);

    [Fact]
    public void Random_walks_find_the_three_preemption_atomicity_violation()
        => FindsInEverySeed(BugScenarios.ThreePreemptions, ExplorationStrategy.Random, 500);

    [Fact]
    public void Sparse_random_walks_find_the_three_preemption_atomicity_violation()
        => FindsInEverySeed(BugScenarios.ThreePreemptions, () => ExplorationStrategy.RandomWalk(0.2), 500);

    [Fact]
    public void Switching_walks_find_the_three_preemption_atomicity_violation_in_a_few_runs()
        => FindsInEverySeed(BugScenarios.ThreePreemptions, () => ExplorationStrategy.Switching(), 30);

    [Fact]
    public void Switching_walks_with_spawns_going_on_find_the_reorder_bug_among_twenty_setters()
        => FindsInEverySeed(BugScenarios.Reorder(20), () => ExplorationStrategy.Switching(0.7), 200);

    [Fact]
    public void Sticky_switching_walks_find_the_reader_that_must_get_in_between_two_stages_of_twenty_writers()
        => FindsInEverySeed(BugScenarios.TwoStage(20), () => ExplorationStrategy.Switching(0.3), 1000);

    [Fact]
    public void The_delay_bounded_search_finds_the_two_lock_deadlock_and_the_three_preemption_bug()
    {
        var deadlock = Find(BugScenarios.TwoLockDeadlock, () => ExplorationStrategy.DelayBounded(), 0, 100);
        Assert.IsType<DeadlockException>(deadlock.InnerException);
        var atomicity = Find(BugScenarios.ThreePreemptions, () => ExplorationStrategy.DelayBounded(), 0, 1000);
        Assert.IsType<BugFoundException>(atomicity.InnerException);
        // Exhaustive, so not seeded: every seed finds it at the same run.
        Assert.Equal(atomicity.FailingRun, Find(BugScenarios.ThreePreemptions, () => ExplorationStrategy.DelayBounded(), 7, 1000).FailingRun);
    }

    [Fact]
    public void The_delay_bounded_search_of_a_correct_scenario_ends_exhausted_with_every_schedule_distinct()
    {
        var summary = OnFreshThread(() => ConcurrencyProperty.ForAll(Scenarios.GuardedCounter, new ExplorationOptions
        {
            Strategy = ExplorationStrategy.DelayBounded(2),
            MaxSchedules = 100_000,
            Seed = 1,
        }));
        Assert.Equal("search exhausted", summary.StoppedBy);
        Assert.True(summary.Schedules > 3, summary.ToString());
        // Bounds 0, 1 and 2 each start again from FIFO, so a few prefixes run twice: distinct is a little less.
        Assert.True(summary.DistinctInterleavings >= summary.Schedules / 2, summary.ToString());
    }

    [Fact]
    public void The_default_portfolio_finds_every_kind_of_bug_in_every_seed()
    {
        FindsInEverySeed(BugScenarios.LostUpdate(5), ExplorationStrategy.Default, 100);
        FindsInEverySeed(BugScenarios.ThreePreemptions, ExplorationStrategy.Default, 200);
        FindsInEverySeed(BugScenarios.Reorder(3), ExplorationStrategy.Default, 500);
        for (int seed = 0; seed < 5; seed++)
            Assert.IsType<DeadlockException>(Find(BugScenarios.TwoLockDeadlock, ExplorationStrategy.Default, seed, 100).InnerException);
    }

    [Fact]
    public void The_default_portfolio_starts_with_a_switching_walk_runs_fifo_once_at_run_7_and_the_exhaustive_search_from_run_64()
    {
        // The order does not depend on outcomes: a scenario whose runs all pass shows every turn.
        var one = OnFreshThread(() => ConcurrencyProperty.ForAll(Scenarios.GuardedCounter, new ExplorationOptions { MaxSchedules = 1, Seed = 11 }));
        Assert.Equal(new Dictionary<string, int> { ["switching(0.9)"] = 1 }, one.SchedulesByStrategy);
        var six = OnFreshThread(() => ConcurrencyProperty.ForAll(Scenarios.GuardedCounter, new ExplorationOptions { MaxSchedules = 6, Seed = 11 }));
        Assert.Equal(["pct(depth 3)", "pos", "switching(0.3)", "switching(0.5)", "switching(0.7)", "switching(0.9)"], six.SchedulesByStrategy.Keys.Order(StringComparer.Ordinal));
        Assert.All(six.SchedulesByStrategy.Values, count => Assert.Equal(1, count));
        var seven = OnFreshThread(() => ConcurrencyProperty.ForAll(Scenarios.GuardedCounter, new ExplorationOptions { MaxSchedules = 7, Seed = 11 }));
        Assert.Equal(1, seven.SchedulesByStrategy["fifo"]);
        var hundred = OnFreshThread(() => ConcurrencyProperty.ForAll(Scenarios.GuardedCounter, new ExplorationOptions { MaxSchedules = 100, Seed = 11 }));
        // Runs 64, 68, ..., 100 (ten) go to the late members in turn; the other 89 to the cycle of six, in order.
        Assert.Equal(1, hundred.SchedulesByStrategy["fifo"]);
        Assert.Equal(10, hundred.SchedulesByStrategy.GetValueOrDefault("delay-bounded") + hundred.SchedulesByStrategy.GetValueOrDefault("walk(0.1)"));
        Assert.Equal(15, hundred.SchedulesByStrategy["switching(0.9)"]);
        Assert.Equal(15, hundred.SchedulesByStrategy["switching(0.3)"]);
        Assert.Equal(14, hundred.SchedulesByStrategy["pct(depth 3)"]);
    }

    [Fact]
    public void The_default_portfolio_finds_the_small_bugs_in_its_first_runs_the_same_way_for_a_seed()
    {
        // Overlapping critical sections are what its first member aims at: a lost update and a lock-order deadlock.
        for (int seed = 0; seed < 5; seed++)
        {
            var lost = Find(BugScenarios.LostUpdate(2), ExplorationStrategy.Default, seed, 100);
            Assert.True(lost.FailingRun <= 6, $"seed {seed}: the lost update took {lost.FailingRun} runs");
            Assert.Equal(lost.FailingRun, Find(BugScenarios.LostUpdate(2), ExplorationStrategy.Default, seed, 100).FailingRun);
            var deadlock = Find(BugScenarios.TwoLockDeadlock, ExplorationStrategy.Default, seed, 100);
            Assert.IsType<DeadlockException>(deadlock.InnerException);
            Assert.True(deadlock.FailingRun <= 6, $"seed {seed}: the deadlock took {deadlock.FailingRun} runs");
        }
    }

    [Fact]
    public void A_portfolio_takes_turns_and_the_summary_counts_each_member()
    {
        var summary = OnFreshThread(() => ConcurrencyProperty.ForAll(Scenarios.GuardedCounter, new ExplorationOptions
        {
            Strategy = ExplorationStrategy.Portfolio(ExplorationStrategy.Fifo(), ExplorationStrategy.Pct(2), ExplorationStrategy.Pos()),
            MaxSchedules = 21,
            Seed = 3,
        }));
        Assert.Equal(21, summary.Schedules);
        Assert.Equal(1, summary.SchedulesByStrategy["fifo"]);
        Assert.Equal(10, summary.SchedulesByStrategy["pct(depth 2)"]);
        Assert.Equal(10, summary.SchedulesByStrategy["pos"]);
        Assert.Equal("count budget", summary.StoppedBy);
    }

    [Fact]
    public void Strategy_arguments_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ExplorationStrategy.Pct(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExplorationStrategy.RandomWalk(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExplorationStrategy.RandomWalk(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExplorationStrategy.RandomWalk(0.5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExplorationStrategy.DelayBounded(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExplorationStrategy.Switching(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExplorationStrategy.Switching(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.Switching(1, double.NaN, spawnIsChoicePoint: false));
        Assert.Throws<ArgumentException>(() => ExplorationStrategy.Portfolio());
        Assert.Throws<ArgumentNullException>(() => ExplorationStrategy.Portfolio(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.Pct(1, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.Pct(1, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.RandomWalk(1, double.NaN));
    }
}
