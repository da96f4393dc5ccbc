namespace TestingTests;

/// <summary>TestLoop.Run: virtual autojump clock, schedules, the trace, failures (DESIGN.md, Testing).</summary>
public class TestLoopTests
{
    static RunTrace RunOnThread(Func<Task> body, Schedule? schedule = null, VirtualClock? clock = null)
        => OnFreshThread(() => TestLoop.Run(body, schedule, clock));

    static List<string> Interleaving(Schedule? schedule)
    {
        var record = new List<string>();
        RunOnThread(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                for (int t = 0; t < 3; t++)
                {
                    int id = t;
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < 4; i++)
                        {
                            record.Add($"{id}:{i}");
                            await Checkpoint.YieldAsync();
                        }
                    }, $"tracer-{id}");
                }
            });
        }, schedule);
        return record;
    }

    [Fact]
    public void Runs_on_a_virtual_autojump_clock_by_default()
    {
        TimeSpan elapsed = default;
        RunOnThread(async () =>
        {
            var start = Time.Now;
            await Time.SleepAsync(TimeSpan.FromDays(1));
            elapsed = Time.Now - start;
        });
        Assert.Equal(TimeSpan.FromDays(1), elapsed);
    }

    [Fact]
    public void Runs_on_the_given_clock()
    {
        var clock = new VirtualClock { AutojumpThreshold = TimeSpan.Zero };
        TimeProvider? seen = null;
        RunOnThread(async () =>
        {
            seen = Loop.Current!.Clock;
            await Time.SleepAsync(S(3));
        }, clock: clock);
        Assert.Same(clock, seen);
        Assert.Equal(S(3), clock.Now);
    }

    [Fact]
    public void Fifo_is_the_default_and_starts_children_in_spawn_order()
    {
        var fifo = Interleaving(null);
        Assert.Equal(new[] { "0:0", "1:0", "2:0", "0:1", "1:1", "2:1" }, fifo.Take(6).ToArray());
        Assert.Equal(fifo, Interleaving(Schedule.Fifo));
    }

    [Fact]
    public void The_same_seed_gives_the_same_interleaving_and_seeds_differ()
    {
        Assert.Equal(Interleaving(Schedule.Random(7)), Interleaving(Schedule.Random(7)));
        var distinct = Enumerable.Range(1, 6).Select(seed => string.Join(",", Interleaving(Schedule.Random(seed)))).ToHashSet();
        Assert.True(distinct.Count >= 2);
    }

    [Fact]
    public void Choices_pick_positions_in_the_ready_queue_modulo_its_length()
    {
        // Ready queue at the first choice: tracer-0, tracer-1, tracer-2; 5 % 3 = 2 runs tracer-2 first.
        var record = Interleaving(Schedule.FromChoices(new[] { 5 }));
        Assert.Equal("2:0", record[0]);
        Assert.Equal(Interleaving(Schedule.Fifo), Interleaving(Schedule.FromChoices(Array.Empty<int>())));
    }

    [Fact]
    public void The_trace_of_a_seeded_run_replays_it_as_explicit_choices()
    {
        var trace = RunOnThread(async () => await Nursery.RunAsync(async n =>
        {
            for (int t = 0; t < 3; t++)
                n.StartSoon(async () => { for (int i = 0; i < 4; i++) await Checkpoint.YieldAsync(); }, $"tracer-{t}");
        }), Schedule.Random(11));
        Assert.Contains(trace.Choices, c => c != 0);
        Assert.Equal(Interleaving(Schedule.Random(11)), Interleaving(trace.Replay));
        Assert.StartsWith("Schedule.FromChoices(new[] { ", trace.Replay.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_trace_names_every_task_and_says_what_each_step_did()
    {
        var gate = new Event();
        var trace = RunOnThread(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { await gate.WaitAsync(); }, "waiter");
                n.StartSoon(async () => { await Time.SleepAsync(S(1)); gate.Set(); }, "setter");
            });
        });
        var text = trace.ToString();
        Assert.Contains("'main' started, spawned 'waiter', 'setter', then blocked on its nursery's children", text);
        Assert.Contains("'waiter' started (choice 0 of 2), then blocked on Event.WaitAsync", text);
        Assert.Contains("'setter' started, then blocked on Time.SleepAsync", text);
        Assert.Contains("at 00:00:01: 'setter' resumed, then finished", text);
        Assert.Contains("'waiter' resumed, then finished", text);
        Assert.Equal("main", trace[^1].TaskName);
        Assert.Equal(TraceStepOutcome.Finished, trace[^1].Outcome);
        Assert.Equal(Enumerable.Range(1, trace.Count), trace.Select(s => s.Number));
        Assert.All(trace, step => Assert.Contains(step.TaskName, step.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void The_trace_records_yields_and_the_choices_made()
    {
        var trace = RunOnThread(async () => await Nursery.RunAsync(async n =>
        {
            n.StartSoon(async () => await Checkpoint.YieldAsync(), "a");
            n.StartSoon(async () => await Checkpoint.YieldAsync(), "b");
        }), Schedule.FromChoices(new[] { 1 }));
        var first = trace.First(s => s.Choice is not null);
        Assert.Equal("b", first.TaskName);
        Assert.Equal(1, first.Choice);
        Assert.Equal(2, first.ReadyCount);
        Assert.Equal(TraceStepOutcome.Yielded, first.Outcome);
        Assert.Contains("'b' started (choice 1 of 2), then yielded", first.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, trace.Choices[0]);
    }

    [Fact]
    public void Rethrows_the_bodys_failure_as_itself()
    {
        var boom = new InvalidOperationException("boom");
        var e = Assert.Throws<InvalidOperationException>(() => RunOnThread(async () =>
        {
            await Checkpoint.YieldAsync();
            throw boom;
        }));
        Assert.Same(boom, e);
    }

    [Fact]
    public void A_failing_child_shows_as_failed_in_the_trace()
    {
        RunTrace? trace = null;
        var e = Assert.Throws<AggregateException>(() => OnFreshThread(() =>
        {
            var (t, error) = TestLoop.RunCore(async () => await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { await Checkpoint.YieldAsync(); throw new FormatException("bad input"); }, "parser");
            }), null, null);
            trace = t;
            error?.Throw();
            return 0;
        }));
        Assert.IsType<FormatException>(Assert.Single(e.InnerExceptions));
        var failed = Assert.Single(trace!, s => s.Outcome == TraceStepOutcome.Failed && s.TaskName == "parser");
        Assert.IsType<FormatException>(failed.Error);
        Assert.Contains("'parser' resumed, then failed with FormatException: bad input", failed.ToString(), StringComparison.Ordinal);
        Assert.Equal(TraceStepOutcome.Failed, trace![^1].Outcome);
        Assert.Equal("main", trace[^1].TaskName);
    }

    [Fact]
    public void A_null_body_throws_ArgumentNullException()
        => Assert.Throws<ArgumentNullException>(() => TestLoop.Run(null!));

    [Fact]
    public void A_body_returning_a_null_task_throws_InvalidOperationException()
        => Assert.Throws<InvalidOperationException>(() => RunOnThread(() => null!));

    [Fact]
    public void A_nested_run_on_the_loop_thread_throws_InvalidOperationException()
    {
        Exception? e = null;
        RunOnThread(async () =>
        {
            e = await Catch(() => { TestLoop.Run(() => Task.CompletedTask); return Task.CompletedTask; });
        });
        Assert.IsType<InvalidOperationException>(e);
    }
}
