using Microsoft.Extensions.Time.Testing;

namespace LoopTests;

// Issue 25, item 3: on a clock other than a VirtualClock, a step that moves the clock (FakeTimeProvider.Advance in a
// task) saw Time.Now at the new time but slept and entered scopes from the step's earlier cached reading: a 5 s sleep
// woke at once and a MoveOnAfter(5 s) was cancelled at once. Time.Now, sleeps, deadlines and scope entry of one step
// agree with each other and with the clock. Nothing here reads Time.Now between the move and the call it checks (that
// read refreshed the cache and hid the bug). All on the loop thread: the tasks move the clock themselves.
public class ClockMovedInStepTests
{
    static void OnFakeClock(FakeTimeProvider clock, Func<Task> main) => Run(main, new LoopOptions { Clock = clock });

    /// <summary>After three yields (the other task has blocked by then), advances the clock by each step in turn, logging it.</summary>
    static async Task AdvanceLater(FakeTimeProvider clock, List<string> log, params double[] seconds)
    {
        foreach (var step in seconds)
        {
            for (int i = 0; i < 3; i++)
                await Checkpoint.YieldAsync();
            log.Add($"+{step} s");
            clock.Advance(S(step));
        }
    }

    [Fact]
    public void After_the_clock_moved_in_a_step_a_sleep_counts_from_the_new_time()
    {
        var clock = new FakeTimeProvider();
        var log = new List<string>();
        OnFakeClock(clock, async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    var start = Time.Now;  // the step's reading, before the clock moves
                    clock.Advance(S(10));
                    await Time.SleepAsync(S(5));
                    log.Add($"woke at {(Time.Now - start).TotalSeconds} s");
                });
                n.StartSoon(() => AdvanceLater(clock, log, 4, 1));
                await Task.CompletedTask;
            });
        });
        Assert.Equal(new[] { "+4 s", "+1 s", "woke at 15 s" }, log);
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
                    var start = Time.Now;
                    var scope = CancelScope.MoveOnAfter(S(5));
                    clock.Advance(S(10));
                    await scope.RunAsync(async () =>
                    {
                        log.Add($"deadline at {(scope.Deadline - start).TotalSeconds} s");
                        await Time.SleepForeverAsync();
                    });
                    log.Add($"{scope.CancelReason} at {(Time.Now - start).TotalSeconds} s");
                });
                n.StartSoon(() => AdvanceLater(clock, log, 4, 1));
                await Task.CompletedTask;
            });
        });
        Assert.Equal(new[] { "deadline at 15 s", "+4 s", "+1 s", "deadline 5 s after entry passed at 15 s" }, log);
    }

    [Fact]
    public void After_the_clock_moved_in_a_step_deadlines_are_judged_on_the_new_time()
    {
        var clock = new FakeTimeProvider();
        var log = new List<string>();
        OnFakeClock(clock, async () =>
        {
            var start = Time.Now;
            clock.Advance(S(10));
            // Passed at 5 s; still to come at 12 s; a sleep until 11 s sleeps 1 s, not until a stale 11 s.
            log.Add($"5 s: {CancelScope.MoveOnAt(start + S(5)).CancelCalled}, 12 s: {CancelScope.MoveOnAt(start + S(12)).CancelCalled}");
            var scope = CancelScope.MoveOnAt(start + S(12));
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    await scope.RunAsync(async () =>
                    {
                        await Time.SleepUntilAsync(start + S(11));
                        log.Add($"slept until {(Time.Now - start).TotalSeconds} s");
                        await Time.SleepForeverAsync();
                    });
                    log.Add($"cancelled at {(Time.Now - start).TotalSeconds} s");
                });
                n.StartSoon(() => AdvanceLater(clock, log, 1, 1));
                await Task.CompletedTask;
            });
        });
        Assert.Equal(new[] { "5 s: True, 12 s: False", "+1 s", "slept until 11 s", "+1 s", "cancelled at 12 s" }, log);
    }
}
