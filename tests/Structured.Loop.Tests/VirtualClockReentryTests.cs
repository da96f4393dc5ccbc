using System.Diagnostics;

namespace LoopTests;

// Issue 25, item 1: a timer callback that advances its own VirtualClock recursed inside Advance until the process died
// of a stack overflow (dotnet/extensions' FakeTimeProvider test Advance_TimeInCallback_PreventsInfiniteLoop). An
// Advance from a callback of the clock, or from another thread while the clock fires, moves the time and returns; the
// firing under way fires what became due, and a periodic timer whose callback moved the clock counts its next period
// from the time it was left at. No real time: the clocks move only when told.
public class VirtualClockReentryTests
{
    [Fact]
    public void A_periodic_timer_whose_callback_advances_the_clock_by_its_period_fires_once_per_advance_from_outside()
    {
        var clock = new VirtualClock();
        var seen = new List<TimeSpan>();
        using var timer = clock.CreateTimer(_ =>
        {
            seen.Add(clock.Now);
            clock.Advance(S(1)); // exactly the period: the timer must not become due again and again
        }, null, TimeSpan.Zero, S(1));
        Assert.Equal(new[] { TimeSpan.Zero }, seen);
        Assert.Equal(S(1), clock.Now);
        // The next period counts from the time the callback left the clock at (1 s): due at 2 s.
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Single(seen);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new[] { TimeSpan.Zero, S(2) }, seen);
        Assert.Equal(S(3), clock.Now);
    }

    [Fact]
    public void Advance_in_a_callback_moves_the_time_at_once_and_the_outer_advance_fires_what_became_due_in_order()
    {
        var clock = new VirtualClock();
        var log = new List<string>();
        using var first = clock.CreateTimer(_ =>
        {
            log.Add($"first at {clock.Now.TotalSeconds}");
            clock.Advance(S(10));
            log.Add($"first reads {clock.Now.TotalSeconds} after its advance");
        }, null, S(1), Timeout.InfiniteTimeSpan);
        using var second = clock.CreateTimer(_ => log.Add($"second at {clock.Now.TotalSeconds}"), null, S(5), Timeout.InfiniteTimeSpan);
        using var third = clock.CreateTimer(_ => log.Add($"third at {clock.Now.TotalSeconds}"), null, S(12), Timeout.InfiniteTimeSpan);
        using var later = clock.CreateTimer(_ => log.Add("later"), null, S(30), Timeout.InfiniteTimeSpan);
        clock.Advance(S(2));
        // The inner advance took the clock to 11 s: the second timer (due at 5 s) fired late, after the first's
        // callback returned, not inside it; the third (12 s) and later ones were not due.
        Assert.Equal(new[] { "first at 1", "first reads 11 after its advance", "second at 11" }, log);
        Assert.Equal(S(11), clock.Now);
        clock.Advance(S(1));
        Assert.Equal("third at 12", log[^1]);
    }

    [Fact]
    public void Nested_advances_and_timers_made_in_callbacks_never_nest_the_firing_whatever_the_depth()
    {
        // Each callback makes the next timer (due at once or soon) and advances the clock: 20,000 deep, which would
        // overflow any stack if the firing nested. The stack depth seen by the callbacks must stay the same.
        const int Depth = 20_000;
        var clock = new VirtualClock();
        var timers = new List<ITimer>();
        int fired = 0, minFrames = int.MaxValue, maxFrames = 0;
        void Next(object? state)
        {
            int k = (int)state!;
            int frames = new StackTrace().FrameCount;
            minFrames = Math.Min(minFrames, frames);
            maxFrames = Math.Max(maxFrames, frames);
            fired++;
            if (k == Depth)
                return;
            timers.Add(clock.CreateTimer(Next, k + 1, k % 2 == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(1), Timeout.InfiniteTimeSpan));
            clock.Advance(TimeSpan.FromTicks(1));
        }
        timers.Add(clock.CreateTimer(Next, 1, TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        Assert.Equal(Depth, fired);
        Assert.InRange(maxFrames - minFrames, 0, 8);
        foreach (var timer in timers)
            timer.Dispose();
    }

    [Fact]
    public void Many_advances_from_one_callback_return_at_once_and_its_periodic_timer_moves_on()
    {
        var clock = new VirtualClock();
        int fired = 0;
        using var timer = clock.CreateTimer(_ =>
        {
            fired++;
            for (int i = 0; i < 10_000; i++)
                clock.Advance(TimeSpan.FromMilliseconds(1));
        }, null, S(1), S(1));
        clock.Advance(S(1));
        // One firing: its callback took the clock to 11 s, so the next period counts from there (12 s).
        Assert.Equal(1, fired);
        Assert.Equal(S(11), clock.Now);
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, fired);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, fired);
    }

    [Fact]
    public void An_advance_from_another_thread_while_a_callback_runs_returns_and_the_firing_thread_fires_what_became_due()
    {
        var clock = new VirtualClock();
        var log = new List<(string Name, int Thread, TimeSpan At)>();
        int testThread = Environment.CurrentManagedThreadId;
        bool otherReturned = false;
        using var blocker = clock.CreateTimer(_ =>
        {
            // The callback waits for another thread's advance: that advance must neither wait for this callback
            // (a deadlock) nor fire the timers on its own thread while this firing is under way.
            var other = new Thread(() => { clock.Advance(S(5)); otherReturned = true; }) { IsBackground = true };
            other.Start();
            Assert.True(other.Join(Watchdog), "an Advance from another thread waited for the callback under way");
            lock (log)
                log.Add(("blocker", Environment.CurrentManagedThreadId, clock.Now));
        }, null, S(1), Timeout.InfiniteTimeSpan);
        using var a = clock.CreateTimer(_ => { lock (log) log.Add(("a", Environment.CurrentManagedThreadId, clock.Now)); }, null, S(2), Timeout.InfiniteTimeSpan);
        using var b = clock.CreateTimer(_ => { lock (log) log.Add(("b", Environment.CurrentManagedThreadId, clock.Now)); }, null, S(4), Timeout.InfiniteTimeSpan);
        clock.Advance(S(1));
        Assert.True(otherReturned);
        Assert.Equal(new[] { ("blocker", testThread, S(6)), ("a", testThread, S(6)), ("b", testThread, S(6)) }, log);
    }

    [Fact]
    public void On_the_loop_a_periodic_timer_whose_callback_advances_its_clock_does_not_keep_the_loop_busy_forever()
    {
        var clock = new VirtualClock();
        var seen = new List<TimeSpan>();
        Run(async () =>
        {
            using var timer = clock.CreateTimer(_ =>
            {
                seen.Add(clock.Now);
                clock.Advance(S(1));
            }, null, S(1), S(1));
            clock.Advance(S(1)); // due: queued on the loop, runs after this step
            for (int i = 0; i < 10; i++)
                await Checkpoint.YieldAsync();
            Assert.Equal(new[] { S(1) }, seen);
            Assert.Equal(S(2), clock.Now);
            Assert.Equal(1, Loop.Current!.Statistics.TimersPending); // armed for 3 s, not fired again
            clock.Advance(S(1));
            for (int i = 0; i < 10; i++)
                await Checkpoint.YieldAsync();
            Assert.Equal(new[] { S(1), S(3) }, seen);
        }, new LoopOptions { Clock = clock });
    }

    [Fact]
    public void On_an_autojump_loop_callbacks_that_advance_and_make_timers_end_and_fire_in_order()
    {
        var clock = AutoClock();
        var seen = new List<(int, TimeSpan)>();
        Run(async () =>
        {
            var timers = new List<ITimer>();
            void Tick(object? state)
            {
                int k = (int)state!;
                seen.Add((k, clock.Now));
                if (k < 1000)
                {
                    clock.Advance(TimeSpan.FromMilliseconds(1));
                    timers.Add(clock.CreateTimer(Tick, k + 1, TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan));
                }
            }
            timers.Add(clock.CreateTimer(Tick, 1, TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan));
            await Time.SleepAsync(S(5));
            foreach (var timer in timers)
                timer.Dispose();
        }, new LoopOptions { Clock = clock });
        Assert.Equal(1000, seen.Count);
        for (int k = 1; k <= 1000; k++)
            Assert.Equal((k, TimeSpan.FromMilliseconds(2 * k - 1)), seen[k - 1]);
    }
}
