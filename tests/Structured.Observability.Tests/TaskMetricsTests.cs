namespace ObservabilityTests;

public class TaskMetricsTests
{
    /// <summary>
    /// One nursery, four tasks, on the virtual clock: "ok" sleeps 1 s; "timeout" gives up after 0.5 s (MoveOnAfter);
    /// "fails" throws at 2 s; "victim" sleeps forever in a scope of its own and is cancelled by that failure.
    /// </summary>
    static Exception? RunScenario()
    {
        Exception? error = null;
        Run(async () =>
        {
            error = await Catch(() => Nursery.RunAsync(async nursery =>
            {
                nursery.StartSoon(async () => await Time.SleepAsync(S(1)), "ok");
                nursery.StartSoon(async () => await CancelScope.MoveOnAfter(S(0.5)).RunAsync(async () => await Time.SleepForeverAsync()), "timeout");
                nursery.StartSoon(async () =>
                {
                    await Time.SleepAsync(S(2));
                    throw new InvalidOperationException("boom");
                }, "fails");
                nursery.StartSoon(async () => await new CancelScope().RunAsync(async () => await Time.SleepForeverAsync()), "victim");
                await Task.CompletedTask;
            }));
        });
        return error;
    }

    [Fact]
    public void A_scripted_run_gives_exact_counts_causes_and_virtual_durations()
    {
        using var recorder = new MetricRecorder();
        var error = RunScenario();

        Assert.IsType<InvalidOperationException>(Assert.Single(Assert.IsType<AggregateException>(error).InnerExceptions));
        Assert.Equal(4, recorder.Sum("structured.task.started"));
        Assert.Equal(4, recorder.Sum("structured.task.finished"));
        var failed = Assert.Single(recorder.Of("structured.task.failed"));
        Assert.Equal(1, failed.Value);
        Assert.Equal("System.InvalidOperationException", failed.Tag("error.type"));

        // Active: up by one per start, down by one per end, back to zero.
        var active = recorder.Of("structured.task.active").Select(m => m.Value).ToList();
        Assert.Equal(8, active.Count);
        Assert.Equal(0, active.Sum());
        Assert.Equal(4, active.Take(4).Sum());

        // Durations in virtual seconds, by outcome.
        var durations = recorder.Of("structured.task.duration")
            .Select(m => (m.Value, Outcome: (string)m.Tag("structured.task.outcome")!))
            .OrderBy(d => d.Value).ThenBy(d => d.Outcome, StringComparer.Ordinal).ToList();
        Assert.Equal([(0.5, "completed"), (1.0, "completed"), (2.0, "cancelled"), (2.0, "failed")], durations);

        // Cancellations by cause: the timeout's deadline, the nursery's scope by the failure, the victim's own scope from outside.
        Assert.Equal(1, recorder.Sum("structured.cancellations", "structured.cancel.cause", "deadline"));
        Assert.Equal(1, recorder.Sum("structured.cancellations", "structured.cancel.cause", "sibling_error"));
        Assert.Equal(1, recorder.Sum("structured.cancellations", "structured.cancel.cause", "outer"));
        Assert.Equal(3, recorder.Sum("structured.cancellations"));
        Assert.Equal(1, recorder.Sum("structured.deadline.fired"));
        var nurseryError = Assert.Single(recorder.Of("structured.nursery.errors"));
        Assert.Equal("System.InvalidOperationException", nurseryError.Tag("error.type"));
    }

    [Fact]
    public void Explicit_and_token_cancellations_are_told_apart()
    {
        using var recorder = new MetricRecorder();
        using var source = new CancellationTokenSource();
        Run(async () =>
        {
            var scope = new CancelScope();
            await scope.RunAsync(async () =>
            {
                scope.Cancel("enough");
                await Checkpoint.YieldAsync();
            });
            source.Cancel();
            await Nursery.RunAsync(async nursery => await Time.SleepForeverAsync(), source.Token);
            await new CancelScope().CancelWhen(source.Token).RunAsync(() => Task.CompletedTask);
        });
        Assert.Equal(1, recorder.Sum("structured.cancellations", "structured.cancel.cause", "explicit"));
        Assert.Equal(2, recorder.Sum("structured.cancellations", "structured.cancel.cause", "token"));
        Assert.Equal(0, recorder.Sum("structured.deadline.fired"));
    }

    [Fact]
    public void A_deadline_set_in_the_past_cancels_without_a_timer_firing()
    {
        using var recorder = new MetricRecorder();
        Run(async () =>
        {
            var scope = new CancelScope();
            await scope.RunAsync(async () =>
            {
                scope.Deadline = Time.Now;
                await Checkpoint.YieldAsync();
            });
        });
        Assert.Equal(1, recorder.Sum("structured.cancellations", "structured.cancel.cause", "deadline"));
        Assert.Equal(0, recorder.Sum("structured.deadline.fired"));
    }

    [Fact]
    public void Off_the_loop_tasks_are_counted_too()
    {
        using var recorder = new MetricRecorder();
        OffLoop(async () =>
        {
            var error = await Catch(() => Nursery.RunAsync(async nursery =>
            {
                for (int i = 0; i < 10; i++)
                    nursery.StartSoon(() => Task.CompletedTask);
                nursery.StartSoon(() => throw new FormatException());
                await Task.CompletedTask;
            }));
            Assert.IsType<AggregateException>(error);
        });
        Assert.Equal(11, recorder.Sum("structured.task.started"));
        Assert.Equal(11, recorder.Sum("structured.task.finished"));
        Assert.Equal(1, recorder.Sum("structured.task.failed", "error.type", "System.FormatException"));
        Assert.Equal(0, recorder.Sum("structured.task.active"));
        Assert.Equal(11, recorder.Of("structured.task.duration").Count);
    }

    [Fact]
    public void A_listener_that_attaches_while_tasks_run_never_sees_active_below_zero()
    {
        MetricRecorder? recorder = null;
        try
        {
            Run(async () => await Nursery.RunAsync(async nursery =>
            {
                nursery.StartSoon(async () => await Time.SleepAsync(S(1)), "before");
                await Time.SleepAsync(S(0.5));
                recorder = new MetricRecorder();
                nursery.StartSoon(async () => await Time.SleepAsync(S(1)), "after");
            }));
            Assert.Equal(1, recorder!.Sum("structured.task.started"));
            Assert.Equal(2, recorder.Sum("structured.task.finished"));
            Assert.Equal(0, recorder.Sum("structured.task.active"));
            Assert.Equal(1.0, Assert.Single(recorder.Of("structured.task.duration")).Value);
        }
        finally
        {
            recorder?.Dispose();
        }
    }

    [Fact]
    public void Nothing_is_recorded_without_a_listener_and_every_instrument_is_published()
    {
        RunScenario(); // nobody listens: nothing to see, nothing breaks
        using var recorder = new MetricRecorder();
        string[] expected =
        [
            "structured.task.started", "structured.task.finished", "structured.task.failed", "structured.task.active",
            "structured.task.duration", "structured.nursery.errors", "structured.cancellations", "structured.deadline.fired",
            "structured.loop.active", "structured.loop.steps", "structured.loop.queue.length", "structured.loop.timers",
            "structured.loop.lag", "structured.loop.step.duration", "structured.channel.items.sent",
            "structured.channel.items.received", "structured.channel.queue.length",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), recorder.Published.Order(StringComparer.Ordinal));
        Assert.Empty(recorder.Of("structured.task.started"));
    }
}
