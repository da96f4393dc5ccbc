using FsCheck;
using FsCheck.Xunit;

namespace TestingTests;

/// <summary>Schedules and ConcurrencyProperty used from FsCheck's [Property] (DESIGN.md: usable with and without it).</summary>
public class PropertyIntegrationTests
{
    [Property(MaxTest = 200, Arbitrary = new[] { typeof(Schedules) })]
    public void A_property_over_schedules_runs_the_guarded_counter_under_each(Schedule schedule)
        => OnFreshThread(() => TestLoop.Run(Scenarios.GuardedCounter, schedule));

    [Property(MaxTest = 200)]
    public Property ConcurrencyProperty_as_an_FsCheck_property_holds_for_the_guarded_counter()
        => ConcurrencyProperty.ToProperty(Scenarios.GuardedCounter);

    [Fact]
    public void ConcurrencyProperty_as_an_FsCheck_property_fails_for_the_racy_counter_with_the_replay_line()
    {
        var property = ConcurrencyProperty.ToProperty(Scenarios.RacyCounter);
        var e = Record.Exception(() => OnFreshThread(() =>
        {
            property.Check(Config.QuickThrowOnFailure.WithMaxTest(500).WithReplay(3UL, 5UL));
            return 0;
        }));
        Assert.NotNull(e);
        Assert.Contains("Schedule.FromChoices(new[] {", e.Message, StringComparison.Ordinal);
        Assert.Contains("lost update", e.Message, StringComparison.Ordinal);
    }
}
