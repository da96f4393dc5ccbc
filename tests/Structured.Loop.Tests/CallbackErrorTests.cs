namespace LoopTests;

// Issue 12, item 6: a throwing callback never kills the loop.
public class CallbackErrorTests
{
    [Fact]
    public void A_throwing_clock_timer_callback_does_not_end_the_loop_and_the_other_due_timers_fire()
    {
        var fired = new List<string>();
        bool mainFinished = false;
        var error = Assert.Throws<AggregateException>(() => Run(async () =>
        {
            var clock = Loop.Current!.Clock;
            using var first = clock.CreateTimer(_ => throw new FormatException("timer callback failed"), null, S(1), Timeout.InfiniteTimeSpan);
            using var second = clock.CreateTimer(_ => fired.Add("second"), null, S(1), Timeout.InfiniteTimeSpan);
            await Time.SleepAsync(S(2));
            mainFinished = true;
        }));
        Assert.True(mainFinished);
        Assert.Equal(["second"], fired);
        Assert.Equal("timer callback failed", Assert.IsType<FormatException>(Assert.Single(error.InnerExceptions)).Message);
    }

    [Fact]
    public void A_token_registration_that_throws_when_a_deadline_fires_does_not_end_the_loop()
    {
        var fired = new List<string>();
        var error = Assert.Throws<AggregateException>(() => Run(async () =>
        {
            await Nursery.RunAsync(n =>
            {
                n.StartSoon(async () =>
                {
                    var scope = CancelScope.MoveOnAfter(S(1));
                    await scope.RunAsync(async () =>
                    {
                        scope.Token.Register(() => throw new FormatException("registration failed"));
                        await Time.SleepForeverAsync();
                    });
                    fired.Add(scope.CancelledCaught ? "scope caught" : "scope not cancelled");
                });
                n.StartSoon(async () =>
                {
                    await Time.SleepAsync(S(1)); // due at the same time as the deadline
                    fired.Add("sleeper");
                });
                return Task.CompletedTask;
            });
            fired.Add("main");
        }));
        // The error reaches the task whose scope fired, as an ordinary error at the scope's exit: that child fails,
        // and so the nursery and main. The sleeper due at the same time still ran.
        Assert.Equal(["sleeper"], fired);
        Assert.Contains(error.Flatten().InnerExceptions, e => e.Message == "registration failed");
    }

    [Fact]
    public void Callbacks_run_by_Advance_on_the_loop_are_loop_work_not_inline()
    {
        var clock = new VirtualClock();
        bool firedInsideAdvance = true;
        bool fired = false;
        long callbacksBefore = 0, callbacksAfter = 0;
        Run(async () =>
        {
            using var timer = clock.CreateTimer(_ => fired = true, null, S(1), Timeout.InfiniteTimeSpan);
            clock.Advance(S(1));
            firedInsideAdvance = fired;
            callbacksBefore = Loop.Current!.Statistics.CallbacksRun;
            await Checkpoint.YieldAsync();
            callbacksAfter = Loop.Current!.Statistics.CallbacksRun;
        }, new LoopOptions { Clock = clock });
        Assert.False(firedInsideAdvance);
        Assert.True(fired);
        Assert.True(callbacksAfter >= callbacksBefore + 2); // the timer's callback ran as a step of its own
    }

    [Fact]
    public void Off_the_loop_Advance_fires_every_due_timer_then_throws_the_callbacks_error()
    {
        var clock = new VirtualClock();
        bool second = false;
        using var first = clock.CreateTimer(_ => throw new FormatException("boom"), null, S(1), Timeout.InfiniteTimeSpan);
        using var other = clock.CreateTimer(_ => second = true, null, S(1), Timeout.InfiniteTimeSpan);
        Assert.Throws<FormatException>(() => clock.Advance(S(1)));
        Assert.True(second);
        Assert.Equal(S(1), clock.Now);
    }
}

public class CrossThreadCallbackErrorTests
{
    [Fact]
    public void A_token_registration_that_throws_when_another_thread_cancels_the_scope_does_not_end_the_loop()
    {
        bool caught = false;
        var error = Assert.Throws<AggregateException>(() => Run(async () =>
        {
            var scope = new CancelScope();
            await scope.RunAsync(async () =>
            {
                scope.Token.Register(() => throw new FormatException("registration failed"));
                var canceller = new Thread(() => scope.Cancel("from a thread"));
                canceller.Start();
                await Time.SleepForeverAsync();
            });
            caught = scope.CancelledCaught;
        }, new LoopOptions { Clock = new VirtualClock() }));
        Assert.True(caught);
        Assert.Contains(error.Flatten().InnerExceptions, e => e.Message == "registration failed");
    }
}
