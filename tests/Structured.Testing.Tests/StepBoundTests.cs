namespace TestingTests;

/// <summary>A run that spins forever ends at its step bound instead of hanging the test.</summary>
public class StepBoundTests
{
    /// <summary>A task spins on a flag that only the other task sets, and that task only sets it under some schedules.</summary>
    static async Task SpinsUnlessLucky()
    {
        bool go = false;
        await Nursery.RunAsync(async n =>
        {
            n.StartSoon(async () => { while (!go) await Checkpoint.YieldAsync(); }, "spinner");
            n.StartSoon(async () => { await Checkpoint.YieldAsync(); }, "never-sets-it");
        });
        _ = go;
    }

    [Fact]
    public void TestLoop_Run_with_MaxSteps_ends_a_spinning_run_with_StepBoundExceededException()
    {
        var e = Assert.Throws<StepBoundExceededException>(() => OnFreshThread(() => TestLoop.Run(SpinsUnlessLucky, new TestLoopOptions { MaxSteps = 500 })));
        Assert.Equal(500, e.Bound);
        Assert.Contains("'spinner'", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => OnFreshThread(() => TestLoop.Run(SpinsUnlessLucky, new TestLoopOptions { MaxSteps = 0 })));
    }

    [Fact]
    public void ForAll_reports_a_spin_as_a_failure_by_default_and_can_count_it_as_passed()
    {
        var failure = PropertyFailure.Of(
            () => ConcurrencyProperty.ForAll(SpinsUnlessLucky, new ExplorationOptions { MaxStepsPerRun = 300, Seed = 1, MaxShrinkRuns = 10 }),
            "ForAll passed; the spin was not reported");
        Assert.IsType<StepBoundExceededException>(failure?.InnerException);
        var summary = OnFreshThread(() => ConcurrencyProperty.ForAll(SpinsUnlessLucky, new ExplorationOptions { MaxStepsPerRun = 300, StepBoundIsFailure = false, MaxSchedules = 5, Seed = 1 }));
        Assert.Equal(5, summary.Schedules);
        Assert.Throws<ArgumentOutOfRangeException>(() => ConcurrencyProperty.ForAll(SpinsUnlessLucky, new ExplorationOptions { MaxStepsPerRun = 0 }));
    }
}
