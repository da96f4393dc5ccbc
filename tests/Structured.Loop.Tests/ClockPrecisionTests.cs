using System.Runtime.ExceptionServices;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;

namespace LoopTests;

// Issue 25, item 2: a loop on a FakeTimeProvider hung on an exact due time: the loop read the provider through
// TimeProvider.GetElapsedTime, whose double arithmetic loses ticks at the provider's timestamps (about 6e17), so its
// wake timer was armed a few ticks after the due time and never fired. Timestamps now cross into the loop with integer
// arithmetic. The property drives a loop on a provider from this thread, advance after advance, each once the loop is
// idle, and checks that every sleeper wakes at the first advance that reaches its due time, reading exactly that time.
// Deterministic: the provider moves only when told; a wait here only ever waits for the loop to get idle.
public class ClockPrecisionTests
{
    static readonly TimeSpan Stuck = TimeSpan.FromSeconds(20);

    [Fact]
    public void A_sleep_on_a_FakeTimeProvider_wakes_after_advances_of_3_then_1_5_then_0_5_seconds()
    {
        // The 4 s sleeper wakes at 4.5 s, and the idle loop arms its wake timer for the 5 s one from its reading then:
        // 4.5 s after the provider's start read as 64 ticks less through GetElapsedTime, so the timer came 64 ticks
        // after 5 s, and the last advance never fired it.
        var clock = new FakeTimeProvider();
        var woke = Drive(clock, clock.Advance, [S(5), S(4)], [S(3), S(1.5), S(0.5)]);
        Assert.Equal([S(4.5), S(5)], woke.Order());
    }

    [Theory]
    [InlineData(1_000_000_007L)]
    [InlineData(2_000_000_011L)]
    [InlineData(1_000_000_000L)]
    [InlineData(10_000_000L)]
    public void A_sleep_on_a_provider_of_any_frequency_with_huge_timestamps_wakes_at_its_exact_due_time(long frequency)
    {
        var clock = new CountingProvider(frequency, long.MaxValue / 2 + 12_345_678_901);
        var woke = Drive(clock, clock.Advance, [S(5), S(2.5)], [S(3), S(1.5), S(0.5), TimeSpan.FromTicks(1)]);
        Assert.Equal([S(3), S(5)], woke);
    }

    /// <summary>Random due times (a few ticks to days) and a random sequence of advances (ticks to hours), sorted by nothing.</summary>
    static Gen<(long[] Dues, long[] Advances)> Scenario()
    {
        var scale = Gen.Elements(1L, 7L, TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerSecond / 3, TimeSpan.TicksPerSecond, TimeSpan.TicksPerHour);
        var span = from s in scale from n in Gen.Choose(1, 40) select s * n;
        return from dues in Gen.Choose(1, 4).SelectMany(k => Gen.ArrayOf(span, k))
               from advances in Gen.Choose(1, 12).SelectMany(k => Gen.ArrayOf(span, k))
               select (dues, advances);
    }

    [FsCheck.Xunit.Property(MaxTest = 60)]
    public Property Sleepers_on_a_FakeTimeProvider_wake_at_the_first_advance_that_reaches_them()
        => Prop.ForAll(Scenario().ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (scenario, start) =>
        {
            // Any start from year 1 to near the end of the calendar: timestamps of every size.
            var at = new DateTimeOffset(DateTimeOffset.MaxValue.Ticks / int.MaxValue * start, TimeSpan.Zero);
            if (at > DateTimeOffset.MaxValue - TimeSpan.FromDays(3650))
                at = DateTimeOffset.MaxValue - TimeSpan.FromDays(3650);
            var clock = new FakeTimeProvider(at);
            CheckScenario(clock, clock.Advance, scenario);
        });

    [FsCheck.Xunit.Property(MaxTest = 60)]
    public Property Sleepers_on_a_provider_of_an_odd_frequency_near_half_the_timestamp_range_wake_exactly()
        => Prop.ForAll(Scenario().ToArbitrary(), Gen.Elements(1_000_000_007L, 2_000_000_011L, 10_000_019L, 1_000_000_000L).ToArbitrary(), Gen.Choose(-1_000_000, 1_000_000).ToArbitrary(), (scenario, frequency, offset) =>
        {
            var clock = new CountingProvider(frequency, long.MaxValue / 2 + offset * 1_000_003L);
            CheckScenario(clock, clock.Advance, scenario);
        });

    static void CheckScenario(TimeProvider clock, Action<TimeSpan> advance, (long[] Dues, long[] Advances) scenario)
    {
        var dues = scenario.Dues.Select(TimeSpan.FromTicks).ToArray();
        var advances = scenario.Advances.Select(TimeSpan.FromTicks).ToArray();
        var woke = Drive(clock, advance, dues, advances);
        // Each sleeper wakes at the first advance that reaches its due time, reading exactly the time then.
        var expected = new List<TimeSpan>();
        var sorted = dues.Order().ToArray();
        TimeSpan total = TimeSpan.Zero;
        int next = 0;
        foreach (var step in advances)
        {
            total += step;
            for (; next < sorted.Length && sorted[next] <= total; next++)
                expected.Add(total);
        }
        Assert.Equal(expected, woke.Order());
    }

    /// <summary>
    /// Runs a loop on <paramref name="clock"/> on its own thread with one sleeper per due time, and advances the clock
    /// from this thread, each advance once the loop is idle with exactly the sleepers woken that should be. Returns the
    /// time each woken sleeper read (since the loop's start); sleepers never reached are cancelled at the end.
    /// </summary>
    static List<TimeSpan> Drive(TimeProvider clock, Action<TimeSpan> advance, TimeSpan[] dues, TimeSpan[] advances)
    {
        var woke = new List<TimeSpan>();
        int wokeCount = 0;
        Loop? loop = null;
        CancelScope? all = null;
        using var ready = new ManualResetEventSlim();
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                Loop.Run(async () =>
                {
                    loop = Loop.Current;
                    all = new CancelScope();
                    ready.Set();
                    await all.RunAsync(() => Nursery.RunAsync(async n =>
                    {
                        var start = Time.Now;
                        n.StartSoon(() => Time.SleepForeverAsync().AsTask()); // the loop lives until the end, idle between advances
                        foreach (var due in dues)
                        {
                            n.StartSoon(async () =>
                            {
                                await Time.SleepAsync(due);
                                lock (woke)
                                    woke.Add(Time.Now - start);
                                Interlocked.Increment(ref wokeCount);
                            });
                        }
                        await Checkpoint.YieldAsync();
                    }));
                }, new LoopOptions { Clock = clock });
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                ready.Set();
            }
        }) { IsBackground = true, Name = "provider-loop" };
        thread.Start();
        Assert.True(ready.Wait(Watchdog));
        var sorted = dues.Order().ToArray();
        TimeSpan total = TimeSpan.Zero;
        int expected = 0;
        UntilIdle(loop!, () => Volatile.Read(ref wokeCount) == 0, () => "the sleepers never parked");
        foreach (var step in advances)
        {
            total += step;
            advance(step);
            while (expected < sorted.Length && sorted[expected] <= total)
                expected++;
            int want = expected;
            UntilIdle(loop!, () => Volatile.Read(ref wokeCount) == want,
                () => $"after advancing {total.Ticks} ticks in all, {want} of the sleepers due at [{string.Join(", ", sorted.Select(d => d.Ticks))}] ticks should have woken; {Volatile.Read(ref wokeCount)} did");
        }
        loop!.Post(() => all!.Cancel());
        Assert.True(thread.Join(Watchdog), "Loop.Run did not return");
        error?.Throw();
        return woke;
    }

    /// <summary>Waits until the loop waits for work with <paramref name="condition"/> true, both seen after one another twice (no wake in between).</summary>
    static void UntilIdle(Loop loop, Func<bool> condition, Func<string> what)
    {
        if (!SpinWait.SpinUntil(() => loop.IsWaitingForWork && condition() && loop.IsWaitingForWork, Stuck))
            Assert.Fail(what());
    }

    /// <summary>
    /// A provider whose timestamps count at <paramref name="frequency"/> from <paramref name="start"/> (huge, odd), and
    /// whose timers fire on the ticks advanced, exactly: a provider is self-consistent, its timestamps only round.
    /// </summary>
    sealed class CountingProvider(long frequency, long start) : TimeProvider
    {
        readonly Lock _gate = new();
        readonly List<CountingTimer> _timers = [];
        long _elapsedTicks;

        public override long TimestampFrequency => frequency;

        public override long GetTimestamp()
        {
            lock (_gate)
                return start + (long)((Int128)_elapsedTicks * frequency / TimeSpan.TicksPerSecond);
        }

        public void Advance(TimeSpan by)
        {
            lock (_gate)
                _elapsedTicks += by.Ticks;
            while (true)
            {
                CountingTimer? due;
                lock (_gate)
                {
                    due = _timers.Where(t => t.WakeAt <= _elapsedTicks).OrderBy(t => t.WakeAt).FirstOrDefault();
                    if (due is null)
                        return;
                    _timers.Remove(due);
                }
                due.Callback(due.State);
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new CountingTimer(this, callback, state);
            timer.Change(dueTime, period);
            return timer;
        }

        sealed class CountingTimer(CountingProvider owner, TimerCallback callback, object? state) : ITimer
        {
            internal long WakeAt;
            internal TimerCallback Callback => callback;
            internal object? State => state;

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                lock (owner._gate)
                {
                    owner._timers.Remove(this);
                    if (dueTime == Timeout.InfiniteTimeSpan)
                        return true;
                    WakeAt = owner._elapsedTicks + dueTime.Ticks;
                    owner._timers.Add(this);
                }
                if (dueTime == TimeSpan.Zero)
                    owner.Advance(TimeSpan.Zero);
                return true;
            }

            public void Dispose()
            {
                lock (owner._gate)
                    owner._timers.Remove(this);
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
