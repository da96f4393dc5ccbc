using FsCheck;
using FsCheck.Fluent;

namespace TestingTests;

/// <summary>Schedules.Arbitrary and the shrinker: toward FIFO, shorter lists, smaller choices.</summary>
public class ScheduleShrinkingTests
{
    [Fact]
    public void Arbitrary_generates_choice_schedules_that_replay_as_their_ToString()
    {
        var samples = Schedules.Arbitrary().Generator.Sample(20, 50);
        Assert.All(samples, s => Assert.StartsWith("Schedule.FromChoices(new", s.ToString(), StringComparison.Ordinal));
        Assert.Contains(samples, s => s.ToString()!.Contains('1', StringComparison.Ordinal));
    }

    [Fact]
    public void Shrinking_FIFO_gives_nothing_and_a_seeded_schedule_shrinks_to_FIFO()
    {
        var arb = Schedules.Arbitrary();
        Assert.Empty(arb.Shrinker(Schedule.Fifo));
        Assert.Empty(arb.Shrinker(Schedule.FromChoices(Array.Empty<int>())));
        Assert.Same(Schedule.Fifo, Assert.Single(arb.Shrinker(Schedule.Random(3))));
    }

    [Fact]
    public void Shrink_candidates_start_with_FIFO_and_are_all_smaller()
    {
        var original = new[] { 0, 2, 0, 1, 3, 0 };
        var candidates = ScheduleShrinker.Candidates(original).ToList();
        Assert.Empty(candidates[0]);
        Assert.All(candidates, c => Assert.True(ChoiceLists.IsSmaller(c, original), string.Join(",", c)));
        Assert.All(candidates, c => Assert.True(c.Length == 0 || c[^1] != 0, "candidates are trimmed"));
        Assert.Contains(candidates, c => c.SequenceEqual(new[] { 0, 2, 0, 1 }));
        Assert.Contains(candidates, c => c.SequenceEqual(new[] { 0, 1, 0, 1, 3 }));
        Assert.Equal(candidates.Count, candidates.Select(c => string.Join(",", c)).Distinct().Count());
    }

    [Fact]
    public void Repeated_shrinking_reaches_the_smallest_list_that_still_fails()
    {
        // "Fails" when some choice at an even position is non-zero: the smallest such list is { 1 }.
        static bool Fails(int[] c) => c.Where((v, i) => i % 2 == 0 && v != 0).Any();
        var current = new[] { 3, 0, 2, 2, 0, 5, 1, 0, 4 };
        bool improved = true;
        while (improved)
        {
            improved = false;
            foreach (var candidate in ScheduleShrinker.Candidates(current))
            {
                if (Fails(candidate))
                {
                    current = candidate;
                    improved = true;
                    break;
                }
            }
        }
        Assert.Equal(new[] { 1 }, current);
    }

    [Fact]
    public void Smaller_means_fewer_departures_then_shorter_then_smaller_choices()
    {
        Assert.True(ChoiceLists.IsSmaller(new[] { 0, 0, 0, 1 }, new[] { 1, 1 }));
        Assert.True(ChoiceLists.IsSmaller(new[] { 1, 1 }, new[] { 0, 1, 1 }));
        Assert.True(ChoiceLists.IsSmaller(new[] { 1, 1 }, new[] { 1, 2 }));
        Assert.False(ChoiceLists.IsSmaller(new[] { 1, 1, 0 }, new[] { 1, 1 }));
    }

    [Fact]
    public void The_replay_line_is_CSharp_that_builds_the_schedule()
    {
        Assert.Equal("Schedule.FromChoices(new[] { 1, 0, 2 })", ChoiceLists.ReplayLine(new[] { 1, 0, 2 }));
        Assert.Equal("Schedule.FromChoices(new int[] { })", ChoiceLists.ReplayLine(Array.Empty<int>()));
        Assert.Equal("Schedule.FromChoices(new[] { 1, 0, 2 })", Schedule.FromChoices(new[] { 1, 0, 2 }).ToString());
        Assert.Equal("Schedule.FromChoices(new int[] { })", Schedule.FromChoices(Array.Empty<int>()).ToString());
    }

    [Fact]
    public void The_arbitrary_drives_an_FsCheck_property_that_finds_and_shrinks_the_race()
    {
        var property = Prop.ForAll(Schedules.Arbitrary(), schedule => { OnFreshThread(() => TestLoop.Run(Scenarios.RacyCounter, schedule)); });
        var e = Assert.ThrowsAny<Exception>(() => property.Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithReplay(7UL, 11UL)));
        Assert.Contains("Schedule.FromChoices(new[] {", e.Message, StringComparison.Ordinal);
        Assert.Contains("lost update", e.Message, StringComparison.Ordinal);
    }
}
