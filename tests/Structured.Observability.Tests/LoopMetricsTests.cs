namespace ObservabilityTests;

public class LoopMetricsTests
{
    [Fact]
    public void Lag_and_step_duration_are_measured_on_the_loop_clock()
    {
        using var recorder = new MetricRecorder();
        var clock = AutoClock();
        Run(async () => await Nursery.RunAsync(async nursery =>
        {
            nursery.StartSoon(() => Task.CompletedTask, "late");
            // This step takes 3 virtual seconds: the child, queued at its start, waits that long to run.
            clock.Advance(S(3));
            await Task.CompletedTask;
        }), new LoopOptions { Clock = clock });

        var lags = recorder.Of("structured.loop.lag").Select(m => m.Value).ToList();
        var steps = recorder.Of("structured.loop.step.duration").Select(m => m.Value).ToList();
        Assert.NotEmpty(lags);
        Assert.Equal(3.0, lags.Max());
        Assert.All(lags, lag => Assert.True(lag is 0.0 or 3.0, $"lag {lag}"));
        Assert.Equal(3.0, steps.Max());
        Assert.Single(steps, step => step == 3.0);
        Assert.All(steps, step => Assert.True(step is 0.0 or 3.0, $"step {step}"));
    }

    [Fact]
    public void Observable_instruments_read_the_running_loops()
    {
        using var recorder = new MetricRecorder();
        List<Recorded>? during = null;
        Run(async () => await Nursery.RunAsync(async nursery =>
        {
            nursery.StartSoon(async () => await Time.SleepAsync(S(5)), "sleeper");
            nursery.StartSoon(() => Task.CompletedTask, "ready");
            await Checkpoint.YieldAsync(); // the sleeper is asleep now; "ready" has finished
            nursery.StartSoon(() => Task.CompletedTask, "queued");
            during = recorder.Observe();
        }));
        var after = recorder.Observe();

        double Value(List<Recorded> from, string name) => Assert.Single(from, m => m.Instrument == name).Value;
        Assert.Equal(1, Value(during!, "structured.loop.active"));
        Assert.Equal(1, Value(during!, "structured.loop.timers"));
        Assert.Equal(1, Value(during!, "structured.loop.queue.length")); // "queued"'s first step
        Assert.True(Value(during!, "structured.loop.steps") > 0);
        Assert.Equal(0, Value(after, "structured.loop.active"));
        Assert.Equal(0, Value(after, "structured.loop.timers"));
        // The steps of finished loops still count: a counter never goes down.
        Assert.True(Value(after, "structured.loop.steps") >= Value(during!, "structured.loop.steps"));
    }

    [Fact]
    public void Without_a_listener_no_lag_is_recorded_even_when_one_attaches_later()
    {
        // Items queued while nobody listened carry no timestamp: a listener attaching then sees no bogus lag.
        MetricRecorder? recorder = null;
        var clock = AutoClock();
        try
        {
            Run(async () => await Nursery.RunAsync(async nursery =>
            {
                nursery.StartSoon(() => Task.CompletedTask, "queued before");
                clock.Advance(S(7));
                recorder = new MetricRecorder();
                await Task.CompletedTask;
            }), new LoopOptions { Clock = clock });
            Assert.DoesNotContain(recorder!.Of("structured.loop.lag"), m => m.Value == 7.0);
        }
        finally
        {
            recorder?.Dispose();
        }
    }
}
