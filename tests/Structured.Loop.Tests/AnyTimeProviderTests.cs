using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Time.Testing;

namespace LoopTests;

// Issue 14, item 7: a TimeProvider that is neither TimeProvider.System nor a VirtualClock (here FakeTimeProvider) as the
// loop's clock. Its time moves when the test says so; the idle loop waits for the provider's own timer, so an Advance
// from the test thread wakes it. Deterministic: the test thread advances only once the loop is inside its idle wait
// (every task is parked by then), and joins the loop thread; nothing depends on how long anything takes.
public class AnyTimeProviderTests
{
    /// <summary>Runs <paramref name="main"/> on a loop on <paramref name="clock"/> on its own thread; <paramref name="drive"/> runs on this thread once the loop is idle.</summary>
    static void RunDriven(FakeTimeProvider clock, Func<Task> main, Action<Loop> drive)
    {
        Loop? loop = null;
        using var published = new ManualResetEventSlim();
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                Loop.Run(async () =>
                {
                    loop = Loop.Current;
                    published.Set();
                    await main();
                }, new LoopOptions { Clock = clock });
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                published.Set();
            }
        }) { IsBackground = true, Name = "fake-clock-loop" };
        thread.Start();
        Assert.True(published.Wait(LoopHarness.Watchdog));
        if (loop is not null)
            drive(loop);
        Assert.True(thread.Join(LoopHarness.Watchdog), "Loop.Run did not return after the fake clock was advanced");
        error?.Throw();
    }

    /// <summary>
    /// Waits until the loop thread is inside its idle wait (every task parked, the clock's wake timer armed) after it
    /// reached <paramref name="stage"/>: a wait seen after the loop wrote the stage is a wait it entered since, never
    /// the one before the last advance (the loop leaves each wait, and writes 0, before it runs any step).
    /// </summary>
    static void UntilIdle(Loop loop, StrongBox<int>? stage = null, int reached = 0)
        => Assert.True(SpinWait.SpinUntil(() => (stage is null || Volatile.Read(ref stage.Value) >= reached) && loop.IsWaitingForWork, LoopHarness.Watchdog),
            "the loop never went idle");

    [Fact]
    public void A_sleep_on_a_FakeTimeProvider_ends_when_another_thread_advances_the_clock()
    {
        var clock = new FakeTimeProvider();
        TimeSpan slept = default;
        RunDriven(clock, async () =>
        {
            var start = Time.Now;
            await Time.SleepAsync(S(5));
            slept = Time.Now - start;
        }, loop =>
        {
            UntilIdle(loop);
            clock.Advance(S(5));
        });
        Assert.Equal(S(5), slept);
    }

    [Fact]
    public void An_advance_short_of_the_timer_leaves_the_sleeper_asleep_and_the_rest_wakes_it()
    {
        var clock = new FakeTimeProvider();
        var woke = new List<TimeSpan>();
        var stage = new StrongBox<int>();
        RunDriven(clock, async () =>
        {
            var start = Time.Now;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { await Time.SleepAsync(S(2)); woke.Add(Time.Now - start); Volatile.Write(ref stage.Value, 1); });
                n.StartSoon(async () => { await Time.SleepAsync(S(5)); woke.Add(Time.Now - start); });
                await Checkpoint.YieldAsync();
            });
        }, loop =>
        {
            UntilIdle(loop);
            // Exactly to the first timer: FakeTimeProvider stops at each timer's due time while it fires it, so an
            // advance past it would let the loop read either time.
            clock.Advance(S(2));
            // The 2 s sleeper wakes, the 5 s one sleeps on: the loop goes idle again, its wake timer armed for 5 s.
            UntilIdle(loop, stage, 1);
            clock.Advance(S(1));
            clock.Advance(S(2));
        });
        // The list is read after the join: only the loop thread wrote it.
        Assert.Equal([S(2), S(5)], woke);
    }

    [Fact]
    public void A_deadline_on_a_FakeTimeProvider_fires_on_advance_and_a_wall_clock_one_names_its_time()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 21, 0, 0, TimeSpan.Zero));
        string? relative = null, wall = null;
        var stage = new StrongBox<int>();
        RunDriven(clock, async () =>
        {
            var first = CancelScope.MoveOnAfter(S(5));
            await first.RunAsync(async () => await Time.SleepForeverAsync());
            relative = first.CancelReason;
            Volatile.Write(ref stage.Value, 1);
            var second = CancelScope.MoveOnAt(new DateTimeOffset(2026, 12, 2, 21, 0, 30, TimeSpan.Zero));
            await second.RunAsync(async () => await Time.SleepForeverAsync());
            wall = second.CancelReason;
        }, loop =>
        {
            UntilIdle(loop);
            clock.Advance(S(5));
            // The second scope is entered at 21:00:05: 25 s to go. Advance until it has run (the loop idles again first).
            UntilIdle(loop, stage, 1);
            clock.Advance(S(25));
        });
        Assert.Equal("deadline 5 s after entry passed", relative);
        Assert.Equal("deadline 2026-12-02T21:00:30Z passed", wall);
    }

    [Fact]
    public void Task_Delay_on_the_loop_clock_and_a_timeout_token_run_on_fake_time()
    {
        var clock = new FakeTimeProvider();
        var stage = new StrongBox<int>();
        TimeSpan slept = default;
        using var source = new CancellationTokenSource(S(4), clock);
        RunDriven(clock, async () =>
        {
            var start = Time.Now;
            await Task.Delay(S(3), Loop.Current!.Clock);
            Volatile.Write(ref stage.Value, 1);
            await Time.SleepAsync(S(1));
            slept = Time.Now - start;
        }, loop =>
        {
            UntilIdle(loop);
            clock.Advance(S(3));
            UntilIdle(loop, stage, 1);
            clock.Advance(S(1));
        });
        Assert.Equal(S(4), slept);
        Assert.True(source.IsCancellationRequested);
    }

    [Fact]
    public void An_advance_at_any_moment_after_the_sleep_is_armed_wakes_the_loop()
    {
        // The pattern of docs/testing.md: the test advances as soon as the sleep's timer exists, before, while or after
        // the loop goes idle (it arms its wake timer from the clock's time then, and looks at the clock again after
        // arming). Each outcome is the same whatever the interleaving; repeated to meet many of them.
        for (int i = 0; i < 200; i++)
        {
            var clock = new FakeTimeProvider();
            TimeSpan slept = default;
            using var armed = new ManualResetEventSlim();
            RunDriven(clock, async () =>
            {
                var start = Time.Now;
                var sleep = Time.SleepAsync(S(5));
                armed.Set();
                await sleep;
                slept = Time.Now - start;
            }, _ =>
            {
                Assert.True(armed.Wait(LoopHarness.Watchdog));
                clock.Advance(S(5));
            });
            Assert.Equal(S(5), slept);
        }
    }

    [Fact]
    public void The_task_tree_of_a_loop_on_another_clock_shows_the_time_since_the_loop_started()
    {
        var clock = new FakeTimeProvider();
        string? tree = null;
        RunDriven(clock, async () =>
        {
            await Time.SleepAsync(S(90));
            tree = Loop.Current!.DumpTaskTree();
        }, loop =>
        {
            UntilIdle(loop);
            clock.Advance(S(90));
        });
        Assert.StartsWith("loop: 1 tasks alive, 0 runnable, 0 timers pending, time 00:01:30.000 since the loop started", tree, StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_FakeTimeProvider_a_duration_passed_as_a_deadline_is_rejected()
    {
        // The fake clock's monotonic time counts ticks from year 1: five seconds is two thousand years in the past.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Loop.Run(async () =>
        {
            await Checkpoint.YieldAsync();
            CancelScope.MoveOnAt(S(5));
        }, new LoopOptions { Clock = new FakeTimeProvider() }));
        Assert.Equal("deadline", error.ParamName);
        Assert.Contains("MoveOnAfter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_loop_s_wake_timer_is_made_on_the_clock_and_disposed_when_the_loop_ends()
    {
        var clock = new CountingClock();
        RunDriven(clock, async () => await Time.SleepAsync(S(1)), loop =>
        {
            UntilIdle(loop);
            clock.Advance(S(1));
        });
        Assert.Equal(1, clock.Created);
        Assert.Equal(0, clock.Live);
    }

    sealed class CountingClock : FakeTimeProvider
    {
        int _created, _live;

        public int Created => Volatile.Read(ref _created);

        public int Live => Volatile.Read(ref _live);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _created);
            Interlocked.Increment(ref _live);
            return new Counted(base.CreateTimer(callback, state, dueTime, period), this);
        }

        sealed class Counted(ITimer inner, CountingClock owner) : ITimer
        {
            int _disposed;

            public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                    Interlocked.Decrement(ref owner._live);
                inner.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
