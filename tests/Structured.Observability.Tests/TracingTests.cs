using System.Diagnostics;

namespace ObservabilityTests;

public sealed class TracingTests : IDisposable
{
    static readonly ActivitySource s_test = new("ObservabilityTests");
    readonly List<Activity> _stopped = [];
    readonly ActivityListener _listener;

    public TracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is StructuredTelemetry.ActivitySourceName or "ObservabilityTests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (_stopped)
                    _stopped.Add(activity);
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    Activity Stopped(string displayName)
    {
        lock (_stopped)
            return Assert.Single(_stopped, a => a.DisplayName == displayName);
    }

    [Fact]
    public void Nurseries_and_named_tasks_get_activities_parented_along_the_tree()
    {
        string? rootId = null;
        Activity? currentInBody = null, currentAfterAwait = null, currentInChild = null;
        Run(async () =>
        {
            using var root = s_test.StartActivity("request");
            rootId = root!.Id;
            await Nursery.RunAsync(async nursery =>
            {
                nursery.StartSoon(async () =>
                {
                    currentInChild = Activity.Current;
                    await Nursery.RunAsync(async inner =>
                    {
                        inner.StartSoon(async () => await Time.SleepAsync(S(1)), "grandchild");
                        await Task.CompletedTask;
                    });
                }, "child");
                nursery.StartSoon(async () => await Time.SleepAsync(S(1))); // unnamed: no activity of its own
                currentInBody = Activity.Current;
                await Time.SleepAsync(S(0.5));
                currentAfterAwait = Activity.Current;
            });
        });

        var nursery = Stopped("nursery of main");
        var child = Stopped("child");
        var inner = Stopped("nursery of child");
        var grandchild = Stopped("grandchild");
        Assert.Equal(rootId, nursery.ParentId);
        Assert.Equal(nursery.Id, child.ParentId);
        Assert.Equal(child.Id, inner.ParentId);
        Assert.Equal(inner.Id, grandchild.ParentId);
        Assert.Equal("structured.nursery", nursery.OperationName);
        Assert.Equal("structured.task", child.OperationName);
        Assert.Equal("child", child.GetTagItem("structured.task.name"));
        // Spawning a child does not make its activity current in the spawner.
        Assert.Same(nursery, currentInBody);
        Assert.Same(nursery, currentAfterAwait);
        Assert.Same(child, currentInChild);
        lock (_stopped)
            Assert.Equal(5, _stopped.Count); // request, two nurseries, two named tasks
        Assert.All(new[] { nursery, child, inner, grandchild }, a => Assert.Equal(ActivityStatusCode.Unset, a.Status));
        // Durations on the virtual clock are not the activities' (they use wall time): only the tree is asserted.
    }

    [Fact]
    public void A_failure_sets_error_status_with_an_exception_event_and_cancellation_is_an_event()
    {
        Run(async () =>
        {
            await Catch(() => Nursery.RunAsync(async nursery =>
            {
                nursery.StartSoon(async () =>
                {
                    await Time.SleepAsync(S(1));
                    throw new InvalidOperationException("boom");
                }, "fails");
                nursery.StartSoon(async () => await Time.SleepForeverAsync(), "victim");
                await Task.CompletedTask;
            }));
        });

        var fails = Stopped("fails");
        Assert.Equal(ActivityStatusCode.Error, fails.Status);
        Assert.Equal("boom", fails.StatusDescription);
        var exception = Assert.Single(fails.Events, e => e.Name == "exception");
        Assert.Contains(exception.Tags, t => t.Key == "exception.type" && (string?)t.Value == "System.InvalidOperationException");

        var victim = Stopped("victim");
        Assert.Equal(ActivityStatusCode.Unset, victim.Status);
        var cancelled = Assert.Single(victim.Events, e => e.Name == "structured.cancel");
        Assert.Contains("task 'fails' failed", (string?)cancelled.Tags.Single(t => t.Key == "structured.cancel.reason").Value, StringComparison.Ordinal);

        var nursery = Stopped("nursery of main");
        Assert.Equal(ActivityStatusCode.Error, nursery.Status);
        var nurseryCancel = Assert.Single(nursery.Events, e => e.Name == "structured.cancel");
        Assert.Equal("sibling_error", nurseryCancel.Tags.Single(t => t.Key == "structured.cancel.cause").Value);
        Assert.Single(nursery.Events, e => e.Name == "exception");
    }

    [Fact]
    public void A_nursery_cancelled_by_its_deadline_records_the_reason()
    {
        Run(async () =>
        {
            await CancelScope.MoveOnAfter(S(2)).RunAsync(async () =>
                await Nursery.RunAsync(async nursery =>
                {
                    nursery.StartSoon(async () => await Time.SleepForeverAsync(), "waits");
                    await Task.CompletedTask;
                }));
        });
        var nursery = Stopped("nursery of main");
        Assert.Equal(ActivityStatusCode.Unset, nursery.Status);
        var cancel = Assert.Single(nursery.Events, e => e.Name == "structured.cancel");
        Assert.Equal("outer", cancel.Tags.Single(t => t.Key == "structured.cancel.cause").Value);
        Assert.StartsWith("deadline", (string?)cancel.Tags.Single(t => t.Key == "structured.cancel.reason").Value, StringComparison.Ordinal);
        Assert.Equal(ActivityStatusCode.Unset, Stopped("waits").Status);
    }

    [Fact]
    public void Off_the_loop_the_tree_of_activities_is_the_same()
    {
        OffLoop(async () =>
        {
            await Nursery.RunAsync(async nursery =>
            {
                nursery.StartSoon(async () => await Task.Yield(), "pooled");
                await Task.CompletedTask;
            });
        });
        lock (_stopped)
        {
            var nursery = Assert.Single(_stopped, a => a.OperationName == "structured.nursery");
            Assert.Equal(nursery.Id, Stopped("pooled").ParentId);
        }
    }
}

public class UnsampledTracingTests
{
    [Fact]
    public void A_listener_that_samples_nothing_gets_no_activities()
    {
        int started = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == StructuredTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.None,
            ActivityStarted = _ => Interlocked.Increment(ref started),
        };
        ActivitySource.AddActivityListener(listener);
        Activity? current = null;
        Run(async () => await Nursery.RunAsync(async nursery =>
        {
            nursery.StartSoon(() => Task.CompletedTask, "named");
            current = Activity.Current;
            await Task.CompletedTask;
        }));
        Assert.Equal(0, started);
        Assert.Null(current);
    }
}
