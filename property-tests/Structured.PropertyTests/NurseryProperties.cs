using FsCheck.Xunit;

namespace PropertyTests;

/// <summary>The one rule of nurseries, under explored schedules: no task outlives its nursery, no error is lost.</summary>
public class NurseryProperties
{
    /// <summary>Runs <paramref name="spec"/>'s behaviour; <paramref name="parent"/> is the nursery it runs in, for late siblings.</summary>
    sealed class Scenario
    {
        internal readonly List<Exception> Thrown = [];
        internal readonly List<string> Violations = [];
        internal int Finished;
        internal int Started;

        internal async Task RunTask(TaskSpec spec, Nursery parent, Counter siblings)
        {
            try
            {
                if (spec.SpawnsSibling)
                    Spawn(parent, spec with { SpawnsSibling = false, Children = [] }, siblings, "late sibling");
                for (int i = 0; i < spec.Steps; i++)
                    await Checkpoint.YieldAsync();
                if (spec.Children.Length > 0)
                    await RunNursery(spec.Children, body: null);
                if (spec.Fails)
                    throw Throw($"task failed after {spec.Steps} steps");
            }
            catch (OperationCanceledException) when (spec.ThrowsWhenCancelled)
            {
                throw Throw("task turned its cancellation into an error");
            }
            finally
            {
                siblings.Value--;
                Finished++;
            }
        }

        internal async Task RunNursery(TaskSpec[] tasks, TaskSpec? body)
        {
            var live = new Counter();
            Nursery? opened = null;
            try
            {
                await Nursery.RunAsync(async n =>
                {
                    opened = n;
                    for (int i = 0; i < tasks.Length; i++)
                        Spawn(n, tasks[i], live, $"task-{i}");
                    if (body is not null)
                    {
                        for (int i = 0; i < body.Steps; i++)
                            await Checkpoint.YieldAsync();
                        if (body.Fails)
                            throw Throw("nursery body failed");
                    }
                });
            }
            finally
            {
                // The rule: whether it returns or throws, a nursery is done only once every child is.
                if (live.Value != 0)
                    Violations.Add($"a nursery finished with {live.Value} children still running");
                if (opened is { Children.Count: > 0 })
                    Violations.Add("a finished nursery still lists children");
            }
        }

        void Spawn(Nursery n, TaskSpec spec, Counter live, string name)
        {
            live.Value++;
            Started++;
            n.StartSoon(() => RunTask(spec, n, live), name);
        }

        ScenarioException Throw(string what)
        {
            var e = new ScenarioException(what);
            Thrown.Add(e);
            return e;
        }
    }

    sealed class Counter
    {
        internal int Value;
    }

    static IEnumerable<Exception> Leaves(Exception e)
        => e is AggregateException aggregate ? aggregate.InnerExceptions.SelectMany(Leaves) : [e];

    [Property(MaxTest = Budget.Cases, Arbitrary = new[] { typeof(Schedules), typeof(Generators) })]
    public void A_nursery_never_completes_before_all_its_children(Schedule schedule, TaskForest forest)
    {
        var scenario = new Scenario();
        OnFreshThread(() => TestLoop.Run(async () =>
        {
            try
            {
                await scenario.RunNursery(forest.Tasks, forest.Body);
            }
            catch (Exception)
            {
                // Errors are the other property's business; here only completion matters.
            }
        }, schedule));
        Assert.Empty(scenario.Violations);
        Assert.Equal(scenario.Started, scenario.Finished);
    }

    [Property(MaxTest = Budget.Cases, Arbitrary = new[] { typeof(Schedules), typeof(Generators) })]
    public void No_exception_is_lost_the_aggregate_holds_exactly_the_thrown_ones(Schedule schedule, TaskForest forest)
    {
        var scenario = new Scenario();
        Exception? error = null;
        OnFreshThread(() => TestLoop.Run(async () =>
        {
            try
            {
                await scenario.RunNursery(forest.Tasks, forest.Body);
            }
            catch (Exception e)
            {
                error = e;
            }
        }, schedule));
        Assert.Empty(scenario.Violations);
        if (scenario.Thrown.Count == 0)
        {
            Assert.Null(error);
            return;
        }
        var aggregate = Assert.IsType<AggregateException>(error);
        var leaves = Leaves(aggregate).ToList();
        Assert.All(leaves, leaf => Assert.IsType<ScenarioException>(leaf));
        Assert.Equal(scenario.Thrown.Count, leaves.Count);
        var expected = new HashSet<Exception>(scenario.Thrown, ReferenceEqualityComparer.Instance);
        Assert.All(leaves, leaf => Assert.True(expected.Remove(leaf), $"an error appears twice or was never thrown: {leaf.Message}"));
    }
}
