using FsCheck;
using FsCheck.Fluent;

namespace TestingTests;

/// <summary>ForAll's budgets, its summary on success, its failure report (first and shrunk schedule, the child's own error) and ddmin shrinking.</summary>
public class ExplorationReportTests
{
    static ConcurrencyPropertyException Failure(Func<Task> body, ExplorationOptions options)
        => PropertyFailure.Of(() => ConcurrencyProperty.ForAll(body, options), "ForAll passed; the bug was not found");

    /// <summary>A clock that moves one second every time it is read: budgets in "reads", deterministic.</summary>
    sealed class TickingClock : TimeProvider
    {
        long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks += TimeSpan.TicksPerSecond;
    }

    [Fact]
    public void A_passing_exploration_returns_a_summary_of_what_it_covered()
    {
        var summary = OnFreshThread(() => ConcurrencyProperty.ForAll(Scenarios.GuardedCounter, new ExplorationOptions { MaxSchedules = 50, Seed = 4 }));
        Assert.Equal(50, summary.Schedules);
        Assert.Equal("count budget", summary.StoppedBy);
        Assert.Equal(4, summary.Seed);
        Assert.InRange(summary.DistinctInterleavings, 2, 50);
        Assert.True(summary.ChoicePoints >= summary.MaxChoicePointsPerRun && summary.MaxChoicePointsPerRun > 0);
        Assert.Equal(3 * 2, summary.TaskPairs); // main, incrementer-A, incrementer-B: every ordered pair of names seen
        Assert.InRange(summary.TaskPairsCovered, 1, summary.TaskPairs);
        Assert.Equal(50, summary.SchedulesByStrategy.Values.Sum());
        var line = summary.ToString();
        Assert.Contains("50 schedules", line, StringComparison.Ordinal);
        Assert.Contains("distinct interleavings", line, StringComparison.Ordinal);
        Assert.Contains("seed 4", line, StringComparison.Ordinal);
    }

    [Fact]
    public void The_time_budget_stops_the_exploration_on_the_options_clock()
    {
        // The clock moves a second per read: one read at the start and one before each run after the first.
        var summary = OnFreshThread(() => ConcurrencyProperty.ForAll(Scenarios.GuardedCounter, new ExplorationOptions
        {
            MaxSchedules = 1000,
            TimeBudget = TimeSpan.FromSeconds(5),
            TimeProvider = new TickingClock(),
            Seed = 1,
        }));
        Assert.Equal("time budget", summary.StoppedBy);
        Assert.Equal(5, summary.Schedules);
    }

    [Fact]
    public void A_zero_time_budget_still_runs_one_schedule()
    {
        var summary = OnFreshThread(() => ConcurrencyProperty.ForAll(Scenarios.GuardedCounter, new ExplorationOptions { TimeBudget = TimeSpan.Zero }));
        Assert.Equal(1, summary.Schedules);
    }

    [Fact]
    public void Options_are_checked_with_the_name_of_the_bad_one()
    {
        static void Check(ExplorationOptions o, string name)
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => ConcurrencyProperty.ForAll(() => Task.CompletedTask, o));
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
        }
        Check(new ExplorationOptions { MaxSchedules = 0 }, "MaxSchedules");
        Check(new ExplorationOptions { TimeBudget = TimeSpan.FromSeconds(-1) }, "TimeBudget");
        Check(new ExplorationOptions { MaxShrinkRuns = -1 }, "MaxShrinkRuns");
        Check(new ExplorationOptions { ShrinkTimeBudget = TimeSpan.FromSeconds(-1) }, "ShrinkTimeBudget");
        Check(new ExplorationOptions { TimeProvider = null! }, "TimeProvider");
        Assert.Throws<ArgumentNullException>(() => ConcurrencyProperty.ForAll(() => Task.CompletedTask, (ExplorationOptions)null!));
    }

    [Fact]
    public void The_report_names_the_failing_child_s_own_exception_not_the_nursery_s_AggregateException()
    {
        var e = Failure(BugScenarios.ChildFails, new ExplorationOptions { Seed = 1 });
        Assert.IsType<BugFoundException>(e.InnerException);
        Assert.Contains("Error: TestingTests.BugFoundException: the child's own error (raised by its nursery as AggregateException of that one error)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("One or more errors occurred", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_report_gives_the_first_failing_schedule_and_its_shrunk_form_honestly_named()
    {
        var e = Failure(BugScenarios.ThreePreemptions, new ExplorationOptions { Strategy = ExplorationStrategy.Random(), Seed = 2 });
        var lines = e.Message.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Contains("reached a locally minimal failing schedule", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("smallest departure", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("Replay: TestLoop.Run(body, Schedule.FromChoices(new[] { ", lines[1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("First failing schedule, as found (", StringComparison.Ordinal) && l.Contains(ChoiceLists.ReplayLine(e.FirstFailingChoices), StringComparison.Ordinal));
        Assert.Equal("random", e.FailingStrategy);
        Assert.True(e.IsLocallyMinimal);
        Assert.NotNull(e.Summary);
        Assert.Equal(e.FailingRun, e.Summary!.Schedules);
        Assert.Contains("Exploration so far: ", e.Message, StringComparison.Ordinal);
        Assert.True(ChoiceLists.IsSmaller(e.Choices, e.FirstFailingChoices) || e.Choices.SequenceEqual(e.FirstFailingChoices));
    }

    /// <summary>The racy pair of <see cref="Scenarios.RacyCounter()"/> among 98 bystanders that each yield three times.</summary>
    internal static Task RacyPairAmongBystanders() => Scenarios.RacyCounter(bystanders: 98);

    [Fact]
    public void Delta_debugging_shrinks_a_100_task_random_failure_to_a_few_departures_within_the_budget()
    {
        for (int seed = 0; seed < 3; seed++)
        {
            var e = Failure(RacyPairAmongBystanders, new ExplorationOptions { Strategy = ExplorationStrategy.Random(), Seed = seed, MaxShrinkRuns = 1000 });
            Assert.IsType<LostUpdateException>(e.InnerException);
            Assert.True(e.FirstFailingChoices.Count(c => c != 0) > 50, $"seed {seed}: the random failure had only {e.FirstFailingChoices.Count(c => c != 0)} departures");
            Assert.True(e.Choices.Count(c => c != 0) <= 3, $"seed {seed}: shrunk to [{string.Join(", ", e.Choices)}] in {e.ShrinkRuns} runs, minimal {e.IsLocallyMinimal}");
            Assert.True(e.IsLocallyMinimal, $"seed {seed}: shrinking ran out of budget after {e.ShrinkRuns} runs");
            Assert.True(e.ShrinkRuns <= 1000);
        }
    }

    [Fact]
    public void DeltaDebug_keeps_only_the_departures_that_matter()
    {
        // The "bug" is that positions 3 and 17 are both non-zero; everything else is noise.
        var failing = Enumerable.Range(0, 40).Select(i => i % 2 == 1 ? 1 : 0).ToArray();
        failing[3] = 2;
        failing[17] = 1;
        int runs = 0;
        var result = ScheduleShrinker.DeltaDebug(failing, c => { runs++; return c.Length > 17 && c[3] != 0 && c[17] != 0 ? c : null; });
        Assert.Equal(2, result.Count(c => c != 0));
        Assert.Equal(2, result[3]);
        Assert.Equal(1, result[17]);
        Assert.True(runs < 60, $"{runs} runs");
    }

    [Fact]
    public void TestLoop_Run_under_a_seed_keeps_the_choices_of_a_failing_run_on_the_exception()
    {
        Exception? failure = null;
        int seed = 0;
        for (; seed < 50 && failure is null; seed++)
        {
            try
            {
                OnFreshThread(() => TestLoop.Run(Scenarios.RacyCounter, Schedule.Random(seed)));
            }
            catch (LostUpdateException e)
            {
                failure = e;
            }
        }
        Assert.NotNull(failure);
        var replay = TestLoop.ReplayOf(failure!);
        Assert.NotNull(replay);
        Assert.StartsWith("Schedule.FromChoices(", (string)failure!.Data["Structured.Testing.Replay"]!, StringComparison.Ordinal);
        Assert.Throws<LostUpdateException>(() => OnFreshThread(() => TestLoop.Run(Scenarios.RacyCounter, replay)));
        Assert.Null(TestLoop.ReplayOf(new InvalidOperationException("not from a run")));
    }

    [Fact]
    public void The_FsCheck_generator_reaches_every_ready_task_and_long_runs()
    {
        var samples = Schedules.Arbitrary().Generator.Sample(100, 200).OfType<Schedule>().Select(s => s.ToString()!).ToList();
        var choices = samples.SelectMany(s => System.Text.RegularExpressions.Regex.Matches(s, @"\d+").Select(m => long.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.Contains(choices, c => c > 1000);                          // any position, modulo the ready count
        Assert.Contains(samples, s => s.Split(',').Length > 100);        // departures past the 64th choice point
    }

    [Fact]
    public void FsCheck_finds_the_two_task_lost_update_in_few_tests_even_with_a_large_MaxTest()
    {
        int tests = 0;
        var property = Prop.ForAll(Schedules.Arbitrary(), schedule =>
        {
            tests++;
            var (_, error) = OnFreshThread(() => TestLoop.RunCore(Scenarios.RacyCounter, schedule, null));
            return error is null;
        });
        var e = Assert.ThrowsAny<Exception>(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(10_000).WithReplay(1, 3), property));
        Assert.Contains("Falsifiable", e.Message, StringComparison.Ordinal);
        Assert.True(tests < 200, $"{tests} tests and shrinks");
    }
}
