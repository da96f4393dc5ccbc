namespace TestingTests;

/// <summary>ConcurrencyProperty.ForAll: exploration, shrinking, the report and its replay line (DESIGN.md, Testing).</summary>
public class ConcurrencyPropertyTests
{
    static ConcurrencyPropertyException Failure(Func<Task> body, int runs = ConcurrencyProperty.DefaultRuns, int? seed = null)
        => PropertyFailure.Of(() => ConcurrencyProperty.ForAll(body, runs, seed), "ForAll passed; the race was not found");

    [Fact]
    public void Finds_the_lost_update_within_the_default_budget_and_shrinks_it_to_at_most_three_departures()
    {
        // Several exploration seeds: finding the race must not depend on a lucky one.
        for (int seed = 0; seed < 10; seed++)
        {
            var e = Failure(Scenarios.RacyCounter, seed: seed);
            Assert.IsType<LostUpdateException>(e.InnerException);
            Assert.True(e.Choices.Count(c => c != 0) <= 3, $"seed {seed}: [{string.Join(", ", e.Choices)}]");
            Assert.Contains(ReplayText(e.Choices), e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Finds_the_lost_update_with_a_random_seed()
    {
        var e = Failure(Scenarios.RacyCounter);
        Assert.IsType<LostUpdateException>(e.InnerException);
        Assert.True(e.Choices.Count(c => c != 0) <= 3);
    }

    [Fact]
    public void The_replay_line_reproduces_the_failure_100_times_out_of_100()
    {
        var e = Failure(Scenarios.RacyCounter, seed: 42);
        var replay = Schedule.FromChoices(e.Choices);
        Assert.Equal(replay.ToString(), e.Schedule.ToString());
        for (int i = 0; i < 100; i++)
            Assert.Throws<LostUpdateException>(() => OnFreshThread(() => TestLoop.Run(Scenarios.RacyCounter, replay)));
    }

    [Fact]
    public void The_report_holds_the_replay_line_the_error_and_the_task_names_of_the_last_steps()
    {
        var e = Failure(Scenarios.RacyCounter, seed: 3);
        var lines = e.Message.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.StartsWith("Replay: TestLoop.Run(body, Schedule.FromChoices(new[] { ", lines[1], StringComparison.Ordinal);
        Assert.Contains("Error: TestingTests.LostUpdateException: lost update: counter is 1, expected 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("incrementer-A", e.Message, StringComparison.Ordinal);
        Assert.Contains("incrementer-B", e.Message, StringComparison.Ordinal);
        Assert.Contains("Tasks in the last steps: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("seed: 3", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Warning", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, e.Seed);
        Assert.NotNull(e.Trace);
        Assert.Equal(e.Choices, e.Trace!.Choices.Take(e.Choices.Count));
    }

    [Fact]
    public void The_same_seed_explores_the_same_schedules()
    {
        var a = Failure(Scenarios.RacyCounter, seed: 5);
        var b = Failure(Scenarios.RacyCounter, seed: 5);
        Assert.Equal(a.FailingRun, b.FailingRun);
        Assert.Equal(a.Choices, b.Choices);
    }

    [Fact]
    public void A_body_that_always_fails_is_reported_under_FIFO()
    {
        var e = Failure(async () => { await Checkpoint.YieldAsync(); throw new FormatException("always"); });
        Assert.IsType<FormatException>(e.InnerException);
        Assert.Empty(e.Choices);
        Assert.Equal(1, e.FailingRun);
        Assert.Contains("Schedule.FromChoices(new int[] { })", e.Message, StringComparison.Ordinal);
        Assert.Contains("it fails under FIFO itself", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("departure from FIFO that still fails", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_that_depends_on_state_outside_the_run_gets_a_warning()
    {
        int calls = 0;
        var e = Failure(async () =>
        {
            await Checkpoint.YieldAsync();
            if (++calls == 1)
                throw new FormatException("only the first time");
        });
        Assert.Contains("Warning: replaying this schedule passed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_correct_body_passes_every_schedule()
    {
        int runs = 0;
        OnFreshThread(() =>
        {
            ConcurrencyProperty.ForAll(async () =>
            {
                runs++;
                int counter = 0;
                await Nursery.RunAsync(async n =>
                {
                    for (int i = 0; i < 3; i++)
                        n.StartSoon(async () => { await Checkpoint.YieldAsync(); counter++; });
                });
                Assert.Equal(3, counter);
            }, runs: 250, seed: 9);
            return 0;
        });
        Assert.Equal(250, runs);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>(() => ConcurrencyProperty.ForAll(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConcurrencyProperty.ForAll(() => Task.CompletedTask, runs: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConcurrencyProperty.ForAll(() => Task.CompletedTask, maxChoices: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConcurrencyProperty.ForAll(() => Task.CompletedTask, maxShrinkRuns: -1));
    }

    [Fact]
    public void Calling_it_inside_a_loop_throws_InvalidOperationException()
    {
        Exception? e = null;
        Run(async () => e = await Catch(() => { ConcurrencyProperty.ForAll(() => Task.CompletedTask); return Task.CompletedTask; }));
        Assert.IsType<InvalidOperationException>(e);
    }

    static string ReplayText(IReadOnlyList<int> choices) => ChoiceLists.ReplayLine(choices);
}
