namespace LoopTests;

public class IntrospectionTests
{
    sealed class Recorder : IInstrument
    {
        public readonly List<string> Events = [];
        public void BeforeRun() => Events.Add("before_run");
        public void AfterRun() => Events.Add("after_run");
        public void TaskSpawned(TaskInfo task) => Events.Add($"spawned {task.Name}");
        public void TaskExited(TaskInfo task) => Events.Add($"exited {task.Name}");
        public void BeforeTaskStep(TaskInfo task) => Events.Add($"step {task.Name}");
    }

    [Fact]
    public void Instruments_see_the_run_the_tasks_and_their_steps_in_order()
    {
        var recorder = new Recorder();
        Run(async () =>
        {
            await Nursery.RunAsync(async n => n.StartSoon(async () => await Checkpoint.YieldAsync(), "child"));
        }, new LoopOptions { Clock = AutoClock(), Instruments = [recorder] });
        var events = recorder.Events;
        Assert.Equal("before_run", events[0]);
        Assert.Equal("after_run", events[^1]);
        Assert.True(events.IndexOf("spawned child") < events.IndexOf("step child"));
        Assert.True(events.IndexOf("step child") < events.IndexOf("exited child"));
        Assert.Contains("exited main", events);
    }

    [Fact]
    public void Statistics_count_live_and_runnable_tasks_and_pending_timers()
    {
        LoopStatistics during = default, after = default;
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 3; i++)
                    n.StartSoon(async () => await Time.SleepAsync(S(1)));
                n.StartSoon(async () => await Time.SleepForeverAsync());
                await Checkpoint.YieldAsync();
                during = Loop.Current!.Statistics;
                n.CancelScope.Cancel();
                after = Loop.Current!.Statistics;
            });
        });
        Assert.Equal(5, during.TasksAlive);
        Assert.Equal(3, during.TimersPending);
        Assert.Equal(0, during.TasksRunnable);
        Assert.Equal(4, after.TasksRunnable);
        Assert.True(after.CallbacksRun > 0);
        Assert.Null(after.Seed);
    }

    [Fact]
    public void Statistics_report_the_seed()
    {
        int? seed = null;
        Run(async () => { seed = Loop.Current!.Statistics.Seed; await Checkpoint.YieldAsync(); }, new LoopOptions { Clock = AutoClock(), Seed = 99 });
        Assert.Equal(99, seed);
    }

    [Fact]
    public void DumpTaskTree_shows_nurseries_scopes_tasks_and_what_they_wait_on()
    {
        string dump = "";
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await Time.SleepForeverAsync(), "sleeper");
                n.StartSoon(async () => await CancelScope.MoveOnAfter(S(30)).RunAsync(async () => await new Event().WaitAsync()), "waiter");
                await Checkpoint.YieldAsync();
                await Checkpoint.YieldAsync();
                dump = Loop.Current!.DumpTaskTree();
                n.CancelScope.Cancel("test over");
            });
        });
        Assert.Contains("task 'main'", dump);
        Assert.Contains("nursery scope", dump);
        Assert.Contains("task 'sleeper'", dump);
        Assert.Contains("waiting on Time.SleepForeverAsync", dump);
        Assert.Contains("task 'waiter'", dump);
        Assert.Contains("waiting on Event.WaitAsync", dump);
        Assert.Contains("deadline 30 s after entry (in 30 s)", dump);
    }
}
