using System.Diagnostics;

namespace ObservabilityTests;

/// <summary>
/// A child that ends with its nursery's cancellation, or an enclosing scope's, is "cancelled" in every instrument and
/// activity, as the nursery itself decides (issue 25, item 7): also when it ends with a .NET API's
/// <see cref="OperationCanceledException"/> carrying the nursery's or an enclosing scope's token, on and off the loop.
/// </summary>
public sealed class CancelledChildTelemetryTests : IDisposable
{
    readonly List<Activity> _stopped = [];
    readonly ActivityListener _listener;

    public CancelledChildTelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == StructuredTelemetry.ActivitySourceName,
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

    static string[] Children(bool byOuter)
        => byOuter ? ["nursery token", "current token", "outer token", "sleep", "own scope's token"] : ["nursery token", "current token", "sleep", "own scope's token"];

    /// <summary>
    /// Opens <c>outer</c>, a nursery in it with the children of <see cref="Children"/>, and cancels the nursery
    /// (<paramref name="byOuter"/>: the enclosing scope) once they all started.
    /// </summary>
    static void RunScenario(bool onLoop, bool byOuter, List<TaskState> states)
    {
        Func<Task> body = async () =>
        {
            var outer = new CancelScope();
            var children = new List<TaskInfo>();
            await outer.RunAsync(async () =>
            {
                await Nursery.RunAsync(async nursery =>
                {
                    nursery.StartSoon(ct => Task.Delay(Timeout.Infinite, ct), "nursery token");
                    nursery.StartSoon(() => Task.Delay(Timeout.Infinite, CancelScope.CurrentToken), "current token");
                    // The enclosing scope's token ends only when that scope is cancelled.
                    if (byOuter)
                        nursery.StartSoon(() => Task.Delay(Timeout.Infinite, outer.Token), "outer token");
                    nursery.StartSoon(async () => await Time.SleepForeverAsync(), "sleep");
                    nursery.StartSoon(async () =>
                    {
                        var own = new CancelScope();
                        await own.RunAsync(() => Task.Delay(Timeout.Infinite, own.Token));
                    }, "own scope's token");
                    children.AddRange(nursery.Children);
                    // On the loop the children are blocked by now; off it they may not have started yet (children
                    // of a cancelled nursery still start, and meet the cancellation at once).
                    if (onLoop)
                        await Time.SleepAsync(S(1));
                    if (byOuter)
                        outer.Cancel("stop everything");
                    else
                        nursery.CancelScope.Cancel("stop the nursery");
                });
            });
            Assert.Equal(byOuter, outer.CancelledCaught);
            states.AddRange(children.Select(t => t.State));
        };
        if (onLoop)
            Run(body);
        else
            OffLoop(body);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void Children_ended_by_their_nurserys_cancellation_are_cancelled_in_every_instrument_and_activity(bool onLoop, bool byOuter)
    {
        using var recorder = new MetricRecorder();
        var states = new List<TaskState>();
        RunScenario(onLoop, byOuter, states);
        var names = Children(byOuter);

        Assert.Equal(0, recorder.Sum("structured.task.failed"));
        Assert.Equal(0, recorder.Sum("structured.nursery.errors"));
        Assert.Equal(names.Length, recorder.Sum("structured.task.finished"));
        var outcomes = recorder.Of("structured.task.duration").Select(m => (string)m.Tag("structured.task.outcome")!).ToList();
        Assert.Equal(Enumerable.Repeat("cancelled", names.Length), outcomes);
        // A sibling failure would have cancelled the nursery too: only the cancellation asked for is counted.
        Assert.Equal(0, recorder.Sum("structured.cancellations", "structured.cancel.cause", "sibling_error"));

        List<Activity> stopped;
        lock (_stopped)
            stopped = [.. _stopped];
        foreach (var name in names)
        {
            var activity = Assert.Single(stopped, a => a.DisplayName == name);
            Assert.Equal(ActivityStatusCode.Unset, activity.Status);
            Assert.DoesNotContain(activity.Events, e => e.Name == "exception");
        }
        var nurseryActivity = Assert.Single(stopped, a => a.OperationName == "structured.nursery");
        Assert.Equal(ActivityStatusCode.Unset, nurseryActivity.Status);
        Assert.All(states, s => Assert.Equal(TaskState.Finished, s));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_child_that_ends_with_a_foreign_tokens_cancellation_still_fails(bool onLoop)
    {
        using var recorder = new MetricRecorder();
        Exception? error = null;
        Func<Task> body = async () =>
        {
            using var foreign = new CancellationTokenSource();
            foreign.Cancel();
            error = await Catch(() => Nursery.RunAsync(async nursery =>
            {
                nursery.StartSoon(() => Task.Delay(Timeout.Infinite, foreign.Token), "foreign");
                await Task.CompletedTask;
            }));
        };
        if (onLoop)
            Run(body);
        else
            OffLoop(body);

        Assert.IsType<TaskCanceledException>(Assert.Single(Assert.IsType<AggregateException>(error).InnerExceptions));
        Assert.Equal(1, recorder.Sum("structured.task.failed", "error.type", typeof(TaskCanceledException).FullName));
        Assert.Equal("failed", (string)Assert.Single(recorder.Of("structured.task.duration")).Tag("structured.task.outcome")!);
        lock (_stopped)
            Assert.Equal(ActivityStatusCode.Error, Assert.Single(_stopped, a => a.DisplayName == "foreign").Status);
    }
}
