namespace NurseryTests;

public class DeadlineTests
{
    [Fact]
    public void MoveOnAfter_and_FailAfter_are_measured_on_the_virtual_clock_to_the_tick()
    {
        TimeSpan movedOn = default, failed = default;
        Exception? timeout = null;
        Run(async () =>
        {
            var start = Time.Now;
            await CancelScope.MoveOnAfter(TimeSpan.FromTicks(12_345_678)).RunAsync(async () => await Time.SleepForeverAsync());
            movedOn = Time.Now - start;
            timeout = await Catch(() => CancelScope.FailAfter(S(2), async () => await Time.SleepForeverAsync()));
            failed = Time.Now - start;
        });
        Assert.Equal(TimeSpan.FromTicks(12_345_678), movedOn);
        Assert.IsType<TimeoutException>(timeout);
        Assert.Equal(TimeSpan.FromTicks(12_345_678) + S(2), failed);
    }

    [Fact]
    public void MoveOnAt_and_FailAt_use_absolute_deadlines()
    {
        TimeSpan end = default;
        Exception? timeout = null;
        Run(async () =>
        {
            var start = Time.Now;
            await CancelScope.MoveOnAt(start + S(3)).RunAsync(async () => await Time.SleepForeverAsync());
            timeout = await Catch(() => CancelScope.FailAt(start + S(5), async () => await Time.SleepForeverAsync()));
            end = Time.Now - start;
        });
        Assert.IsType<TimeoutException>(timeout);
        Assert.Equal(S(5), end);
    }

    [Fact]
    public void FailAfter_returns_the_body_value_when_in_time()
        => Assert.Equal(3, Run(async () => await CancelScope.FailAfter(S(10), async () => { await Time.SleepAsync(S(1)); return 3; })));

    [Fact]
    public void FailAfter_cancelled_by_an_outer_scope_does_not_throw_TimeoutException()
    {
        var outer = CancelScope.MoveOnAfter(S(1));
        Run(async () => await outer.RunAsync(async () => await CancelScope.FailAfter(S(10), async () => await Time.SleepForeverAsync())));
        Assert.True(outer.CancelledCaught);
    }

    [Fact]
    public void Moving_a_deadline_earlier_or_later_takes_effect_at_once()
    {
        TimeSpan end = default;
        Run(async () =>
        {
            var start = Time.Now;
            var scope = new CancelScope(deadline: start + S(100));
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await scope.RunAsync(async () => await Time.SleepForeverAsync()));
                await Time.SleepAsync(S(1));
                scope.Deadline = start + S(50);
                await Time.SleepAsync(S(1));
                scope.Deadline = start + S(4);
            });
            end = Time.Now - start;
        });
        Assert.Equal(S(4), end);
    }

    [Fact]
    public void CurrentEffectiveDeadline_is_the_minimum_over_unshielded_enclosing_scopes()
    {
        Run(async () =>
        {
            var start = Time.Now;
            Assert.Equal(TimeSpan.MaxValue, CancelScope.CurrentEffectiveDeadline);
            await new CancelScope(deadline: start + S(5)).RunAsync(async () =>
            {
                await new CancelScope(deadline: start + S(9)).RunAsync(async () =>
                {
                    Assert.Equal(start + S(5), CancelScope.CurrentEffectiveDeadline);
                    CancelScope.Current!.Shield = true;
                    Assert.Equal(start + S(9), CancelScope.CurrentEffectiveDeadline);
                    await Checkpoint.YieldAsync();
                });
            });
        });
    }

    [Fact]
    public void Negative_durations_throw_ArgumentOutOfRangeException()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CancelScope.MoveOnAfter(S(-1)));
        Run(async () => await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => CancelScope.FailAfter(S(-1), async () => await Checkpoint.YieldAsync())));
    }

    [Fact]
    public void A_sleep_until_a_deadline_in_the_past_is_a_checkpoint()
    {
        var scope = new CancelScope();
        Run(async () => await scope.RunAsync(async () => { scope.Cancel(); await Time.SleepUntilAsync(Time.Now - S(1)); }));
        Assert.True(scope.CancelledCaught);
    }
}

public class CheckpointTests
{
    [Fact]
    public void A_deadline_that_passes_while_a_checkpoint_waits_for_its_turn_is_delivered_there()
    {
        var clock = new VirtualClock();
        bool raised = false;
        Run(async () =>
        {
            await new CancelScope(deadline: Time.Now + S(5)).RunAsync(async () =>
            {
                await Checkpoint.YieldAsync();
                clock.Advance(S(10));
                try { await Checkpoint.YieldAsync(); }
                catch (Cancelled) { raised = true; throw; }
            });
        }, new LoopOptions { Clock = clock });
        Assert.True(raised);
    }

    [Fact]
    public void ThrowIfCancelled_never_yields()
    {
        var record = new List<string>();
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => record.Add("child"));
                Checkpoint.ThrowIfCancelled();
                record.Add("parent");
                await Checkpoint.YieldAsync();
            });
        });
        Assert.Equal(new[] { "parent", "child" }, record);
    }
}
