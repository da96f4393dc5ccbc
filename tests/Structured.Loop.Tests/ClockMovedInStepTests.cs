using Microsoft.Extensions.Time.Testing;

namespace LoopTests;

// Issue 25, item 3: on a clock other than a VirtualClock, a step that moves the clock (FakeTimeProvider.Advance in a
// task) saw Time.Now at the new time but slept and entered scopes from the step's earlier cached reading: a 5 s sleep
// woke at once and a MoveOnAfter(5 s) was cancelled at once. Time.Now, sleeps, deadlines and scope entry of one step
// agree with each other and with the clock. All on the loop thread: the tasks move the clock themselves.
public class ClockMovedInStepTests
{
    static void OnFakeClock(FakeTimeProvider clock, Func<Task> main) => Run(main, new LoopOptions { Clock = clock });

    [Fact]
    public void After_the_clock_moved_in_a_step_a_sleep_counts_from_the_new_time()
    {
        var clock = new FakeTimeProvider();
        var log = new List<string>();
        OnFakeClock(clock, async () =>
        {
            var start = Time.Now;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    _ = Time.Now;            // a reading in this step, before the clock moves
                    clock.Advance(S(10));
                    var before = Time.Now;
                    await Time.SleepAsync(S(5));
                    log.Add($"slept {(Time.Now - before).TotalSeconds} s, woke at {(Time.Now - start).TotalSeconds} s");
                });
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < 3; i++)
                        await Checkpoint.YieldAsync();
                    log.Add("4 s later");
                    clock.Advance(S(4));
                    for (int i = 0; i < 3; i++)
                        await Checkpoint.YieldAsync();
                    log.Add("1 s later");
                    clock.Advance(S(1));
                });
                await Task.CompletedTask;
            });
        });
        Assert.Equal(new[] { "4 s later", "1 s later", "slept 5 s, woke at 15 s" }, log);
    }

    [Fact]
    public void After_the_clock_moved_in_a_step_a_scope_entered_then_gets_its_whole_timeout()
    {
        var clock = new FakeTimeProvider();
        var log = new List<string>();
        OnFakeClock(clock, async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    var scope = CancelScope.MoveOnAfter(S(5));
                    _ = CancelScope.CurrentEffectiveDeadline; // reads the clock before it moves
                    clock.Advance(S(10));
                    var entered = Time.Now;
                    await scope.RunAsync(async () =>
                    {
                        log.Add($"deadline {(scope.Deadline - entered).TotalSeconds} s after entry");
                        log.Add($"effective deadline {(CancelScope.CurrentEffectiveDeadline - entered).TotalSeconds} s after entry");
                        await Time.SleepForeverAsync();
                    });
                    log.Add($"{scope.CancelReason} at {(Time.Now - entered).TotalSeconds} s");
                });
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < 3; i++)
                        await Checkpoint.YieldAsync();
                    log.Add("still running after 0 s");
                    clock.Advance(S(5));
                });
                await Task.CompletedTask;
            });
        });
        Assert.Equal(new[]
        {
            "deadline 5 s after entry",
            "effective deadline 5 s after entry",
            "still running after 0 s",
            "deadline 5 s after entry passed at 5 s",
        }, log);
    }

    [Fact]
    public void Time_Now_an_absolute_deadline_and_a_sleep_until_agree_after_the_clock_moved_in_the_step()
    {
        var clock = new FakeTimeProvider();
        var log = new List<string>();
        OnFakeClock(clock, async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    var start = Time.Now;
                    clock.Advance(S(10));
                    // A deadline computed from Time.Now is in the future on every reading of this step.
                    var deadline = Time.Now + S(2);
                    var scope = CancelScope.MoveOnAt(deadline);
                    Assert.False(scope.CancelCalled);
                    await scope.RunAsync(async () =>
                    {
                        await Time.SleepUntilAsync(deadline - S(1));
                        log.Add($"slept until {(Time.Now - start).TotalSeconds} s");
                        await Time.SleepForeverAsync();
                    });
                    log.Add($"cancelled at {(Time.Now - start).TotalSeconds} s");
                });
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < 3; i++)
                        await Checkpoint.YieldAsync();
                    clock.Advance(S(1));
                    for (int i = 0; i < 3; i++)
                        await Checkpoint.YieldAsync();
                    clock.Advance(S(1));
                });
                await Task.CompletedTask;
            });
        });
        Assert.Equal(new[] { "slept until 11 s", "cancelled at 12 s" }, log);
    }
}
