namespace LoopTests;

// Issue 25, item 1: dotnet/extensions' FakeTimeProvider tests (FakeTimeProviderTests, TimerTests), ported in our words
// to VirtualClock, so that code tested on FakeTimeProvider behaves the same on our clock. Where the two clocks differ
// on purpose it is said: a VirtualClock fires each timer with the clock at that timer's due time (Trio's MockClock),
// where FakeTimeProvider moves to the end of the advance first. Deterministic: the clock moves only when told.
public class VirtualClockTimerContractTests
{
    static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Theory]
    [InlineData(0L)]                  // a period of zero
    [InlineData(-10_000L)]            // Timeout.InfiniteTimeSpan
    public void A_timer_without_a_period_fires_once(long periodTicks)
    {
        var clock = new VirtualClock();
        int count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, 10 * Ms, TimeSpan.FromTicks(periodTicks));
        Assert.Equal(0, count);
        clock.Advance(20 * Ms);
        Assert.Equal(1, count);
        clock.Advance(1000 * Ms);
        Assert.Equal(1, count);
    }

    [Fact]
    public void A_timer_due_at_once_fires_inside_CreateTimer_and_not_again()
    {
        var clock = new VirtualClock();
        int count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        Assert.Equal(1, count);
        clock.Advance(100 * Ms);
        clock.Advance(100 * Ms);
        Assert.Equal(1, count);
    }

    [Fact]
    public void A_timer_due_never_does_not_fire_whatever_its_period()
    {
        var clock = new VirtualClock();
        int count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, Timeout.InfiniteTimeSpan, 10 * Ms);
        clock.Advance(Ms);
        clock.Advance(50 * Ms);
        Assert.Equal(0, count);
    }

    [Fact]
    public void A_periodic_timer_fires_at_each_period()
    {
        var clock = new VirtualClock();
        int count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.Zero, 10 * Ms);
        var counts = new List<int> { count };
        clock.Advance(Ms);
        counts.Add(count);
        clock.Advance(10 * Ms);
        counts.Add(count);
        clock.Advance(10 * Ms);
        counts.Add(count);
        Assert.Equal(new[] { 1, 1, 2, 3 }, counts);
    }

    [Fact]
    public void After_a_long_advance_a_periodic_timer_fires_once_for_each_period_each_at_its_own_time()
    {
        var clock = new VirtualClock();
        var times = new List<TimeSpan>();
        using var timer = clock.CreateTimer(_ => times.Add(clock.Now), null, TimeSpan.Zero, 10 * Ms);
        clock.Advance(30 * Ms);
        // FakeTimeProvider fires the same four times, all reading the end of the advance (30 ms).
        Assert.Equal(new[] { TimeSpan.Zero, 10 * Ms, 20 * Ms, 30 * Ms }, times);
    }

    [Fact]
    public void Timers_fire_in_due_order_and_in_arming_order_at_the_same_time()
    {
        var clock = new VirtualClock();
        var calls = new List<(int, TimeSpan)>();
        using var one = clock.CreateTimer(_ => calls.Add((1, clock.Now)), null, 3 * Ms, 3 * Ms);
        using var two = clock.CreateTimer(_ => calls.Add((2, clock.Now)), null, 3 * Ms, 3 * Ms);
        using var three = clock.CreateTimer(_ => calls.Add((3, clock.Now)), null, 6 * Ms, 5 * Ms);
        clock.Advance(3 * Ms);
        clock.Advance(3 * Ms);
        clock.Advance(3 * Ms);
        clock.Advance(2 * Ms);
        // At 6 ms the third timer, armed at creation, comes before the first two, re-armed at 3 ms.
        Assert.Equal(new[] { (1, 3 * Ms), (2, 3 * Ms), (3, 6 * Ms), (1, 6 * Ms), (2, 6 * Ms), (1, 9 * Ms), (2, 9 * Ms), (3, 11 * Ms) }, calls);
    }

    [Fact]
    public void Many_timers_fire_exactly_when_their_due_time_has_come()
    {
        const int MaxDueSeconds = 10, Count = 128;
        var clock = new VirtualClock();
        var random = new Random(25); // seeded: the same due times every run
        var fired = new bool[Count];
        var due = new int[Count];
        var timers = new List<ITimer>();
        for (int i = 0; i < Count; i++)
        {
            due[i] = random.Next(MaxDueSeconds);
            timers.Add(clock.CreateTimer(index => fired[(int)index!] = true, i, S(due[i]), TimeSpan.Zero));
            clock.Advance(TimeSpan.FromTicks(1));
        }
        for (int second = 0; second <= MaxDueSeconds; second += 2)
        {
            for (int j = 0; j < Count; j++)
                Assert.Equal(due[j] <= second, fired[j]);
            clock.Advance(S(2));
        }
        foreach (var timer in timers)
            timer.Dispose();
    }

    [Fact]
    public void Change_refuses_due_times_and_periods_out_of_range_and_names_the_argument()
    {
        var clock = new VirtualClock();
        using var timer = clock.CreateTimer(_ => { }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Assert.True(timer.Change(Ms, Ms));
        Assert.Equal("dueTime", Assert.Throws<ArgumentOutOfRangeException>(() => timer.Change(-2 * Ms, Ms)).ParamName);
        Assert.Equal("dueTime", Assert.Throws<ArgumentOutOfRangeException>(() => timer.Change(TimeSpan.FromMilliseconds(0xFFFFFFFFL), Ms)).ParamName);
        Assert.Equal("period", Assert.Throws<ArgumentOutOfRangeException>(() => timer.Change(Ms, -2 * Ms)).ParamName);
        Assert.Equal("period", Assert.Throws<ArgumentOutOfRangeException>(() => timer.Change(S(1), TimeSpan.FromMilliseconds(0xFFFFFFFFL))).ParamName);
    }

    [Fact]
    public async Task Change_after_Dispose_or_DisposeAsync_returns_false()
    {
        var clock = new VirtualClock();
        var timer = clock.CreateTimer(_ => { }, null, Ms, Ms);
        Assert.True(timer.Change(Ms, Ms));
        timer.Dispose();
        Assert.False(timer.Change(Ms, Ms));
        var other = clock.CreateTimer(_ => { }, null, Ms, Ms);
        await other.DisposeAsync();
        Assert.False(other.Change(Ms, Ms));
    }

    [Fact]
    public void A_periodic_timer_disposed_in_its_callback_fires_no_more()
    {
        var clock = new VirtualClock();
        int count = 0;
        ITimer? timer = null;
        timer = clock.CreateTimer(_ => { count++; timer?.Dispose(); }, null, Ms, Ms);
        clock.Advance(10 * Ms);
        Assert.Equal(1, count);
        Assert.Equal(10 * Ms, clock.Now);
    }

    [Fact]
    public void A_periodic_timer_changed_in_its_callback_keeps_the_new_schedule()
    {
        var clock = new VirtualClock();
        var times = new List<TimeSpan>();
        ITimer? timer = null;
        timer = clock.CreateTimer(_ =>
        {
            times.Add(clock.Now);
            if (times.Count == 1)
                timer!.Change(5 * Ms, Timeout.InfiniteTimeSpan); // once more, 5 ms later, then never
        }, null, Ms, Ms);
        clock.Advance(20 * Ms);
        Assert.Equal(new[] { Ms, 6 * Ms }, times);
        timer.Dispose();
    }

    [Fact]
    public void A_timer_created_in_a_callback_fires_after_it_and_not_inside_it()
    {
        var clock = new VirtualClock();
        var log = new List<string>();
        var timers = new List<ITimer>();
        using var outer = clock.CreateTimer(_ =>
        {
            log.Add("outer begins");
            timers.Add(clock.CreateTimer(_ => log.Add($"at once, at {clock.Now.TotalMilliseconds} ms"), null, TimeSpan.Zero, Timeout.InfiniteTimeSpan));
            timers.Add(clock.CreateTimer(_ => log.Add($"soon, at {clock.Now.TotalMilliseconds} ms"), null, 2 * Ms, Timeout.InfiniteTimeSpan));
            timers.Add(clock.CreateTimer(_ => log.Add("later"), null, 50 * Ms, Timeout.InfiniteTimeSpan));
            log.Add("outer ends");
        }, null, Ms, Timeout.InfiniteTimeSpan);
        clock.Advance(10 * Ms);
        Assert.Equal(new[] { "outer begins", "outer ends", "at once, at 1 ms", "soon, at 3 ms" }, log);
        foreach (var timer in timers)
            timer.Dispose();
    }

    [Fact]
    public async Task Task_Delay_and_a_token_source_on_the_clock_complete_when_it_moves()
    {
        var clock = new VirtualClock();
        var delay = Task.Delay(Ms, clock);
        Assert.False(delay.IsCompleted);
        clock.Advance(Ms);
        await delay;
        Assert.True(delay.IsCompletedSuccessfully);
        using var cts = new CancellationTokenSource(Ms, clock);
        clock.Advance(Ms);
        Assert.True(cts.IsCancellationRequested);
        await Assert.ThrowsAsync<TaskCanceledException>(() => Task.Delay(TimeSpan.FromTicks(1), clock, cts.Token));
        // A token cancelled first and a delay due later: the delay still completes, untouched.
        using var later = new CancellationTokenSource(S(1), clock);
        var longer = Task.Delay(S(10), clock, CancellationToken.None);
        clock.Advance(S(10));
        await longer;
        Assert.True(later.IsCancellationRequested);
    }

    [Fact]
    public async Task WaitAsync_on_the_clock_times_out_or_completes_as_the_clock_moves()
    {
        var clock = new VirtualClock();
        var never = new TaskCompletionSource<bool>();
        var timedOut = never.Task.WaitAsync(Ms, clock);
        clock.Advance(Ms);
        await Assert.ThrowsAsync<TimeoutException>(() => timedOut);
        var source = new TaskCompletionSource<bool>();
        var waiting = source.Task.WaitAsync(Timeout.InfiniteTimeSpan, clock);
        clock.Advance(TimeSpan.FromDays(1000));
        Assert.False(waiting.IsCompleted);
        source.SetResult(true);
        Assert.True(await waiting);
    }

    [Fact]
    public void A_retry_loop_whose_delays_continue_inline_inside_Advance_keeps_pace_with_the_advances()
    {
        // dotnet/extensions' Advance_PollyRetryWithConfigureAwaitFalse_ProcessesCorrectly: each Task.Delay's
        // continuation runs inside Advance (ConfigureAwait(false)), and makes the next delay while the clock fires.
        const int Retries = 42;
        var clock = new VirtualClock();
        int tries = 0;
#pragma warning disable STR105 // on purpose: the continuations must run inline inside Advance, off any loop
        async Task<int> RetryAsync()
        {
            while (true)
            {
                try
                {
                    await Task.Delay(S(0.5), clock).ConfigureAwait(false);
                    tries++;
                    if (tries <= Retries)
                        throw new InvalidOperationException("fails, retry");
                    return tries;
                }
                catch (InvalidOperationException)
                {
                    await Task.Delay(S(1), clock).ConfigureAwait(false);
                }
            }
        }
#pragma warning restore STR105
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            var result = RetryAsync();
            for (int i = 0; i < Retries; i++)
            {
                clock.Advance(S(0.5));
                clock.Advance(S(1));
            }
            Assert.False(result.IsCompleted);
            Assert.Equal(Retries, tries);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }
}
