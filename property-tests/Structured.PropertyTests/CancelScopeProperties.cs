using FsCheck.Xunit;

namespace PropertyTests;

/// <summary>
/// Model-based cancel scopes: random trees of nested scopes with deadlines, explicit cancels from another
/// task and shields run exactly as <see cref="CancelScopeModel"/> says: the same code runs, and the same
/// scopes catch the cancellation.
/// </summary>
public class CancelScopeProperties
{
    [Property(MaxTest = Budget.Cases, Arbitrary = new[] { typeof(Schedules), typeof(Generators) })]
    public void Nested_scopes_with_deadlines_shields_and_cancels_behave_as_the_model(Schedule schedule, ScopeSpec tree)
    {
        var model = CancelScopeModel.Run(tree);
        var record = new List<string>();
        var caught = new HashSet<int>();
        OnFreshThread(() => TestLoop.Run(async () =>
        {
            var scopes = tree.All().ToDictionary(s => s.Id, s => new CancelScope(
                deadline: s.Deadline is int d ? TimeSpan.FromTicks(s.EventTicks(d)) : null,
                shield: s.Shield));

            async Task Exec(ScopeSpec s)
            {
                record.Add($"#{s.Id} enter");
                await Time.SleepAsync(TimeSpan.FromSeconds(s.Before));
                record.Add($"#{s.Id} middle");
                foreach (var child in s.Children)
                    await RunScope(child);
                await Time.SleepAsync(TimeSpan.FromSeconds(s.After));
                record.Add($"#{s.Id} end");
            }

            async Task RunScope(ScopeSpec s)
            {
                var scope = scopes[s.Id];
                try
                {
                    await scope.RunAsync(() => Exec(s));
                }
                finally
                {
                    record.Add($"#{s.Id} exit");
                    if (scope.CancelledCaught)
                        caught.Add(s.Id);
                }
            }

            await Nursery.RunAsync(async n =>
            {
                foreach (var s in tree.All())
                {
                    if (s.CancelAt is int at)
                    {
                        var scope = scopes[s.Id];
                        n.StartSoon(async () =>
                        {
                            await Time.SleepUntilAsync(TimeSpan.FromTicks(s.EventTicks(at)));
                            scope.Cancel();
                        }, $"canceller-{s.Id}");
                    }
                }
                await RunScope(tree);
            });
        }, schedule));

        Assert.Equal(model.Record, record);
        Assert.Equal(model.Caught.OrderBy(x => x), caught.OrderBy(x => x));
    }

    [Fact]
    public void The_model_agrees_with_Trio_on_a_hand_written_tree()
    {
        // #1 (deadline 2.5s) holds #2 (shielded, sleeps 5s) then sleeps 1s: the shield lets #2 finish at 5s,
        // then #1's own sleep is cancelled at once and #1 catches it.
        var tree = ScopeSpec.Number(new ScopeSpec(0, 0, 1, 2, null, false,
            [new ScopeSpec(0, 5, 0, null, null, true, [])]));
        var model = CancelScopeModel.Run(tree);
        Assert.Equal(new[] { "#1 enter", "#1 middle", "#2 enter", "#2 middle", "#2 end", "#2 exit", "#1 exit" }, model.Record);
        Assert.Equal(new[] { 1 }, model.Caught);
    }
}
