namespace NurseryTests;

// Issue 14, item 6: deadlines a person can read. A wall-clock deadline (DateTimeOffset), a relative one (MoveOnAfter),
// an absolute one on the loop's clock (TimeSpan) that is checked for being surely a duration, and reasons that read
// relative to the scope instead of as the clock's own time. All on a VirtualClock: exact, no real time.
public class ReadableDeadlineTests
{
    // A VirtualClock's wall-clock time starts at 2000-01-01T00:00:00Z.
    static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    static LoopOptions AdvancedClock(TimeSpan by)
    {
        var clock = AutoClock();
        clock.Advance(by);
        return new LoopOptions { Clock = clock };
    }

    [Fact]
    public void A_relative_deadline_s_reason_counts_from_entry()
    {
        string? reason = null, caught = null;
        Run(async () =>
        {
            await Time.SleepAsync(S(100)); // the loop's time is not zero: the reason must not show it
            var scope = CancelScope.MoveOnAfter(S(5));
            await scope.RunAsync(async () =>
            {
                try { await Time.SleepForeverAsync(); }
                catch (Cancelled e) { caught = e.Reason; throw; }
            });
            reason = scope.CancelReason;
        });
        Assert.Equal("deadline 5 s after entry passed", reason);
        Assert.Equal(reason, caught);
    }

    [Fact]
    public void An_absolute_deadline_s_reason_counts_from_entry_too_also_when_set_later()
    {
        string? atEntry = null, setLater = null;
        Run(async () =>
        {
            await Time.SleepAsync(S(60));
            var first = CancelScope.MoveOnAt(Time.Now + TimeSpan.FromMilliseconds(250));
            await first.RunAsync(async () => await Time.SleepForeverAsync());
            atEntry = first.CancelReason;
            var second = new CancelScope();
            await second.RunAsync(async () =>
            {
                await Time.SleepAsync(S(1));
                second.Deadline = Time.Now + S(90);
                await Time.SleepForeverAsync();
            });
            setLater = second.CancelReason;
        });
        Assert.Equal("deadline 250 ms after entry passed", atEntry);
        Assert.Equal("deadline 1 min 31 s after entry passed", setLater);
    }

    [Fact]
    public void A_fired_deadline_s_reason_is_the_one_it_fired_with_after_the_deadline_is_changed()
    {
        // The reason of a firing deadline is built when first read: changing the deadline (or giving a wall-clock one)
        // after it fired must not change what it says.
        string? relative = null, wallClock = null, caught = null;
        Run(async () =>
        {
            var scope = CancelScope.MoveOnAfter(S(5));
            Cancelled? seen = null;
            await scope.RunAsync(async () =>
            {
                try { await Time.SleepForeverAsync(); }
                catch (Cancelled e) { seen = e; throw; }
            });
            scope.Deadline = Time.Now + S(60);
            scope.SetDeadline(Epoch + S(3600));
            relative = scope.CancelReason;
            caught = seen!.Reason;

            var byClock = CancelScope.MoveOnAt(Epoch + S(20));
            await byClock.RunAsync(async () =>
            {
                await Time.SleepForeverAsync();
            });
            byClock.SetDeadline(Epoch + S(40));
            byClock.Deadline = Time.Now + S(1);
            wallClock = byClock.CancelReason;
        });
        Assert.Equal("deadline 5 s after entry passed", relative);
        Assert.Same(relative, caught);
        Assert.Equal("deadline 2000-01-01T00:00:20Z passed", wallClock);
    }

    [Fact]
    public void Off_the_loop_threads_reading_a_fired_deadline_s_reason_at_once_all_read_the_same_text()
    {
        OffLoop(async () =>
        {
            for (int round = 0; round < 20; round++)
            {
                var scope = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(1));
                Cancelled? seen = null;
                await scope.RunAsync(async () =>
                {
                    try { await Time.SleepForeverAsync(); }
                    catch (Cancelled e) { seen = e; throw; }
                });
                // The first reads race to build the text: every reader gets the one that was kept. Threads of their
                // own, so that the barrier never waits for the pool to grow.
                using var start = new Barrier(4);
                var reads = new string[4];
                var readers = Enumerable.Range(0, 4).Select(i => new Thread(() =>
                {
                    start.SignalAndWait();
                    reads[i] = scope.CancelReason!;
                })).ToList();
                readers.ForEach(t => t.Start());
                readers.ForEach(t => t.Join());
                Assert.All(reads, r => Assert.Same(reads[0], r));
                Assert.Same(reads[0], seen!.Reason);
                Assert.Equal("deadline 1 ms after entry passed", reads[0]);
            }
        });
    }

    [Fact]
    public void A_deadline_just_passed_is_legal_and_cancels_at_the_first_checkpoint_as_in_Trio()
    {
        bool ranUntilCheckpoint = false;
        string? reason = null;
        var scope = new CancelScope();
        Run(async () =>
        {
            await Time.SleepAsync(S(10));
            scope = CancelScope.MoveOnAt(Time.Now - S(2));
            await scope.RunAsync(async () =>
            {
                ranUntilCheckpoint = true; // entering is not a checkpoint
                await Checkpoint.YieldAsync();
                Assert.Fail("the checkpoint must throw");
            });
            reason = scope.CancelReason;
            // Zero, negative and TimeSpan.MinValue are the past as well, never a mistake.
            foreach (var past in new[] { TimeSpan.Zero, -S(1), TimeSpan.MinValue })
                await CancelScope.MoveOnAt(past).RunAsync(async () => await Checkpoint.YieldAsync());
        });
        Assert.True(ranUntilCheckpoint);
        Assert.True(scope.CancelledCaught);
        Assert.Equal("deadline 2 s before entry passed", reason);
    }

    [Fact]
    public void An_unentered_scope_whose_deadline_passed_says_so()
    {
        string? reason = null;
        Run(async () =>
        {
            var scope = new CancelScope(Time.Now + S(1));
            await Time.SleepAsync(S(3));
            Assert.True(scope.CancelCalled);
            reason = scope.CancelReason;
        });
        Assert.Equal("deadline passed 2 s ago, before the scope was entered", reason);
    }

    [Fact]
    public void A_wall_clock_deadline_fires_at_that_time_and_its_reason_names_it()
    {
        TimeSpan end = default;
        string? reason = null;
        Run(async () =>
        {
            await Time.SleepAsync(S(1));
            var scope = CancelScope.MoveOnAt(Epoch + S(30));
            await scope.RunAsync(async () => await Time.SleepForeverAsync());
            end = Time.Now;
            reason = scope.CancelReason;
        });
        Assert.Equal(S(30), end);
        Assert.Equal("deadline 2000-01-01T00:00:30Z passed", reason);
    }

    [Fact]
    public void A_wall_clock_deadline_is_turned_into_loop_time_at_entry_on_the_entering_clock()
    {
        // Made before the loop runs (off the loop, on the system clock), entered on the virtual clock: the time of
        // day counts on the clock the scope is entered on.
        var scope = CancelScope.MoveOnAt(new DateTimeOffset(2000, 1, 1, 1, 0, 7, TimeSpan.FromHours(1)));
        TimeSpan end = default;
        Run(async () =>
        {
            await scope.RunAsync(async () => await Time.SleepForeverAsync());
            end = Time.Now;
        });
        Assert.Equal(S(7), end);
        Assert.Equal("deadline 2000-01-01T01:00:07+01:00 passed", scope.CancelReason);
    }

    [Fact]
    public void FailAt_a_wall_clock_time_throws_a_TimeoutException_that_names_it()
    {
        Exception? task = null, valueTask = null;
        Run(async () =>
        {
            task = await Catch(() => CancelScope.FailAt(Epoch + TimeSpan.FromMilliseconds(1500), async () => await Time.SleepForeverAsync()));
            valueTask = await Catch(() => CancelScope.FailAt(Epoch + S(3), () => Time.SleepForeverAsync()));
        });
        var timeout = Assert.IsType<TimeoutException>(task);
        Assert.Equal("The operation did not finish before its deadline (CancelScope.FailAt): deadline 2000-01-01T00:00:01.5Z passed.", timeout.Message);
        Assert.Contains("2000-01-01T00:00:03Z", Assert.IsType<TimeoutException>(valueTask).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FailAt_a_wall_clock_time_rejects_a_null_body()
    {
        // Thrown at the call, not by the Task it would return.
        Assert.Throws<ArgumentNullException>(() => { _ = CancelScope.FailAt(Epoch, (Func<Task>)null!); });
        Assert.Throws<ArgumentNullException>(() => { _ = CancelScope.FailAt(Epoch, (Func<ValueTask>)null!); });
    }

    [Fact]
    public void SetDeadline_from_another_thread_takes_effect_on_the_loop()
    {
        TimeSpan end = default;
        string? reason = null;
        Run(async () =>
        {
            var scope = new CancelScope();
            await scope.RunAsync(async () =>
            {
                // The post from the worker thread reaches the loop before the worker's result does.
                await ToThread.RunAsync(() => { scope.SetDeadline(Epoch + S(7)); return 0; });
                await Time.SleepForeverAsync();
            });
            end = Time.Now;
            reason = scope.CancelReason;
        });
        Assert.Equal(S(7), end);
        Assert.Equal("deadline 2000-01-01T00:00:07Z passed", reason);
    }

    [Fact]
    public void FailAfter_s_timeout_message_reads_as_a_person_writes_it()
    {
        Exception? error = null;
        Run(async () => error = await Catch(() => CancelScope.FailAfter(S(2), async () => await Time.SleepForeverAsync())));
        Assert.Equal("The operation did not finish within 2 s (CancelScope.FailAfter).", Assert.IsType<TimeoutException>(error).Message);
    }

    [Fact]
    public void SetDeadline_moves_a_running_scope_to_a_wall_clock_time_and_a_later_TimeSpan_deadline_replaces_it()
    {
        string? wall = null, replaced = null;
        TimeSpan wallEnd = default;
        Run(async () =>
        {
            var scope = new CancelScope();
            await scope.RunAsync(async () =>
            {
                scope.SetDeadline(Epoch + S(4));
                Assert.Equal(S(4), scope.Deadline);
                Assert.Contains("deadline 2000-01-01T00:00:04Z (in 4 s)", scope.ToString(), StringComparison.Ordinal);
                await Time.SleepForeverAsync();
            });
            wallEnd = Time.Now;
            wall = scope.CancelReason;

            var other = new CancelScope();
            await other.RunAsync(async () =>
            {
                other.SetDeadline(Epoch + S(100));
                other.Deadline = Time.Now + S(2);
                await Time.SleepForeverAsync();
            });
            replaced = other.CancelReason;
        });
        Assert.Equal(S(4), wallEnd);
        Assert.Equal("deadline 2000-01-01T00:00:04Z passed", wall);
        Assert.Equal("deadline 2 s after entry passed", replaced);
    }

    [Fact]
    public void An_unentered_wall_clock_scope_reads_its_deadline_checks_it_lazily_and_MaxValue_means_none()
    {
        Run(async () =>
        {
            await Time.SleepAsync(S(10));
            var ahead = CancelScope.MoveOnAt(Epoch + S(25));
            Assert.Equal(S(25), ahead.Deadline);
            Assert.Contains("deadline 2000-01-01T00:00:25Z", ahead.ToString(), StringComparison.Ordinal);
            Assert.False(ahead.CancelCalled);
            var passed = CancelScope.MoveOnAt(Epoch + S(5));
            Assert.True(passed.CancelCalled);
            Assert.Equal("deadline 2000-01-01T00:00:05Z passed", passed.CancelReason);

            var never = CancelScope.MoveOnAt(DateTimeOffset.MaxValue);
            Assert.Equal(TimeSpan.MaxValue, never.Deadline);
            var cleared = CancelScope.MoveOnAt(Epoch + S(1));
            cleared.SetDeadline(DateTimeOffset.MaxValue);
            await cleared.RunAsync(async () => await Time.SleepAsync(S(1)));
            Assert.False(cleared.CancelCalled);
            Assert.Equal(TimeSpan.MaxValue, cleared.Deadline);
        });
    }

    // (b) The rule: a positive TimeSpan deadline below half the clock's reading when the loop started (the process, on
    // the system clock) is a duration passed as a deadline.

    [Fact]
    public void A_duration_passed_as_a_deadline_is_rejected_by_every_absolute_deadline_API_with_the_fix()
    {
        var errors = new List<ArgumentOutOfRangeException>();
        Run(async () =>
        {
            await Checkpoint.YieldAsync();
            void Expect(Action call) => errors.Add(Assert.Throws<ArgumentOutOfRangeException>(call));
            Expect(() => CancelScope.MoveOnAt(S(5)));
            Expect(() => _ = new CancelScope(S(5)));
            Expect(() => _ = new CancelScope(CancellationToken.None, S(5)));
            Expect(() => CancelScope.FailAt(S(5), () => Task.CompletedTask));
            Expect(() => CancelScope.FailAt(S(5), () => ValueTask.CompletedTask));
            Expect(() => new CancelScope().Deadline = S(5));
            Expect(() => Time.SleepUntilAsync(S(5)).AsTask());
        }, AdvancedClock(TimeSpan.FromHours(1)));
        Assert.Equal(["deadline", "deadline", "deadline", "deadline", "deadline", "value", "deadline"], errors.Select(e => e.ParamName));
        Assert.Contains("CancelScope.MoveOnAt: the deadline 00:00:05 is an absolute time", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("Use CancelScope.MoveOnAfter(duration) for a relative timeout", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("Use CancelScope.MoveOnAfter(duration)", errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("Use CancelScope.FailAfter(duration, body)", errors[3].Message, StringComparison.Ordinal);
        Assert.Contains("Set Deadline = Time.Now + duration", errors[5].Message, StringComparison.Ordinal);
        Assert.Contains("Use Time.SleepAsync(duration)", errors[6].Message, StringComparison.Ordinal);
        Assert.All(errors, e => Assert.Contains("Time.Now reads 01:00:00", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_rule_s_boundary_is_half_the_clock_s_reading_when_the_loop_started()
    {
        Run(async () =>
        {
            await Time.SleepAsync(S(30)); // the boundary is the start (100 s / 2), not now
            Assert.Throws<ArgumentOutOfRangeException>(() => CancelScope.MoveOnAt(S(50) - TimeSpan.FromTicks(1)));
            var atBoundary = CancelScope.MoveOnAt(S(50)); // long past, but no duration: legal, cancels at once
            await atBoundary.RunAsync(async () => await Checkpoint.YieldAsync());
            Assert.True(atBoundary.CancelledCaught);
            Assert.Equal("deadline 1 min 20 s before entry passed", atBoundary.CancelReason);
        }, AdvancedClock(S(100)));
    }

    [Fact]
    public void On_a_fresh_virtual_clock_a_deadline_counts_from_its_start_and_is_never_rejected()
    {
        TimeSpan end = default;
        Run(async () =>
        {
            await CancelScope.MoveOnAt(S(5)).RunAsync(async () => await Time.SleepForeverAsync());
            end = Time.Now;
        });
        Assert.Equal(S(5), end);
    }

    [Fact]
    public void Off_the_loop_a_duration_passed_as_a_deadline_is_rejected_on_the_system_clock()
    {
        // The system clock's monotonic time counts from the machine's boot, long before this process: one tick is
        // surely no time this process read.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => CancelScope.MoveOnAt(TimeSpan.FromTicks(1)));
        Assert.Equal("deadline", error.ParamName);
        Assert.Contains("system clock", error.Message, StringComparison.Ordinal);
        Assert.Contains("when this process started", error.Message, StringComparison.Ordinal);
        // What Time.Now reads now is never rejected, nor a deadline a little before it.
        OffLoop(async () =>
        {
            var scope = CancelScope.MoveOnAt(Time.Now - S(1));
            await scope.RunAsync(async () => await Checkpoint.YieldAsync());
            Assert.True(scope.CancelledCaught);
            // Real time passes between reading Time.Now and entering (a few ms when the code is not jitted yet): at
            // least 1 s before entry, in the reason's own format.
            var reason = Assert.IsType<string>(scope.CancelReason);
            var match = System.Text.RegularExpressions.Regex.Match(reason, @"^deadline (\d+(?:\.\d+)?) s before entry passed$");
            Assert.True(match.Success, reason);
            Assert.InRange(double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1.0, 60.0);
        });
    }

    [Fact]
    public void Off_the_loop_a_wall_clock_deadline_runs_on_the_system_clock()
    {
        OffLoop(async () =>
        {
            var scope = CancelScope.MoveOnAt(TimeProvider.System.GetUtcNow() - S(1));
            await scope.RunAsync(async () => await Checkpoint.YieldAsync());
            Assert.True(scope.CancelledCaught);
            Assert.StartsWith("deadline 20", scope.CancelReason, StringComparison.Ordinal);
            Assert.EndsWith("Z passed", scope.CancelReason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Entering_and_leaving_a_scope_with_a_TimeSpan_deadline_allocates_what_one_without_does()
    {
        // The hot path keeps no trace of the wall-clock support: no side table, no reason text, same bytes as a scope
        // without a deadline (the scope object and the flow's context, both in either case).
        long none = 0, relative = 0, absolute = 0;
        Run(async () =>
        {
            static async Task<long> Measure(Func<CancelScope> make)
            {
                for (int i = 0; i < 50; i++)
                    await make().RunAsync(static () => Task.CompletedTask); // warm up: JIT, timer arrays
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 100; i++)
                    await make().RunAsync(static () => Task.CompletedTask);
                return GC.GetAllocatedBytesForCurrentThread() - before;
            }
            for (int round = 0; round < 2; round++) // the first round pays for what is made once (the loop's, the JIT's)
            {
                none = await Measure(static () => new CancelScope());
                relative = await Measure(static () => CancelScope.MoveOnAfter(S(5)));
                absolute = await Measure(static () => CancelScope.MoveOnAt(Time.Now + S(5)));
            }
        });
        Assert.Equal(none, relative);
        Assert.Equal(none, absolute);
    }

    [Theory]
    [InlineData(0L, "0 µs")]
    [InlineData(5L, "0.5 µs")]
    [InlineData(2_500_000L, "250 ms")]
    [InlineData(15_000L, "1.5 ms")]
    [InlineData(50_000_000L, "5 s")]
    [InlineData(15_000_000L, "1.5 s")]
    [InlineData(1_500_000_000L, "2 min 30 s")]
    [InlineData(1_200_000_000L, "2 min")]
    [InlineData(111_000_000_000L, "3 h 5 min")]
    [InlineData(36_000_000_000L, "1 h")]
    [InlineData(1_872_000_000_000L, "2 d 4 h")]
    [InlineData(long.MaxValue, "forever")]
    public void Durations_in_reasons_read_as_a_person_writes_them(long ticks, string text)
        => Assert.Equal(text, CancelReasons.Duration(ticks));
}
