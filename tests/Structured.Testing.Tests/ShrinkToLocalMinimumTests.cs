namespace TestingTests;

/// <summary>Shrinking ends at a local minimum: no single removal or smaller choice of the reported schedule still fails.</summary>
public class ShrinkToLocalMinimumTests
{
    static bool Fails(int[] choices)
        => OnFreshThread(() => TestLoop.RunCore(Scenarios.RacyCounter, Schedule.FromChoices(choices), null).Error is not null);

    [Fact]
    public void For_seeds_0_to_99_of_the_two_task_lost_update_the_reported_schedule_is_a_local_minimum()
    {
        var notMinimal = new List<string>();
        for (int seed = 0; seed < 100; seed++)
        {
            var e = PropertyFailure.Of(() => ConcurrencyProperty.ForAll(Scenarios.RacyCounter, seed: seed), $"seed {seed}: ForAll passed; the race was not found");
            var best = e.Choices.ToArray();
            Assert.True(Fails(best), $"seed {seed}: the reported schedule does not fail");
            Assert.Contains("reached a locally minimal failing schedule", e.Message, StringComparison.Ordinal);
            Assert.True(e.IsLocallyMinimal);
            for (int i = 0; i < best.Length; i++)
            {
                var removed = best.Where((_, j) => j != i).ToArray();
                if (Fails(removed))
                    notMinimal.Add($"seed {seed}: [{string.Join(", ", best)}] without choice {i} still fails");
                for (int smaller = best[i] - 1; smaller >= 0; smaller--)
                {
                    var decremented = (int[])best.Clone();
                    decremented[i] = smaller;
                    if (Fails(decremented))
                        notMinimal.Add($"seed {seed}: [{string.Join(", ", best)}] with choice {i} = {smaller} still fails");
                }
            }
            // [1, 0, 0, 1] was reported "after 0 shrinks" for 11 seeds: [1, 1] is smaller and fails.
            Assert.Equal([1, 1], best);
        }
        Assert.Empty(notMinimal);
    }

    [Fact]
    public void Candidates_remove_a_run_of_FIFO_steps_at_any_offset()
    {
        var candidates = ScheduleShrinker.Candidates([1, 0, 0, 1]).Select(c => string.Join(",", c)).ToList();
        Assert.Contains("1,1", candidates);
        var longer = ScheduleShrinker.Candidates([2, 0, 0, 0, 1]).Select(c => string.Join(",", c)).ToList();
        Assert.Contains("2,1", longer);   // three zeros: no halving chunk size is 3
        Assert.Contains("2,0,1", longer);
    }

    [Fact]
    public void A_shrink_that_runs_out_of_budget_says_that_a_smaller_schedule_may_exist()
    {
        var e = PropertyFailure.Of(() => ConcurrencyProperty.ForAll(Scenarios.RacyCounter, seed: 0, maxShrinkRuns: 0), "ForAll passed; the race was not found");
        if (e.Choices.SequenceEqual([1, 1]))
            return; // found the minimum at once: nothing to shrink, nothing to warn about
        Assert.Contains("stopped at its budget (0 runs): a smaller failing schedule may exist", e.Message, StringComparison.Ordinal);
        Assert.False(e.IsLocallyMinimal);
    }
}
