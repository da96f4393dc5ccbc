namespace LoopTests;

// Issue 12, item 2: Loop.Run returns only when everything under main is done.
public class LoopLifetimeTests
{
    [Fact]
    public void A_forgotten_await_of_a_nursery_keeps_the_loop_running_until_its_children_finish()
    {
        bool childDone = false;
        TimeSpan childEnd = default;
        var clock = AutoClock();
        Run(() =>
        {
            _ = Nursery.RunAsync(n =>
            {
                n.StartSoon(async () =>
                {
                    await Time.SleepAsync(TimeSpan.FromHours(1));
                    childEnd = Time.Now;
                    childDone = true;
                });
                return Task.CompletedTask;
            });
            return Task.CompletedTask; // main returns at once: the await above was forgotten
        }, new LoopOptions { Clock = clock });
        Assert.True(childDone);
        Assert.Equal(TimeSpan.FromHours(1), childEnd);
    }

    [Fact]
    public void A_forgotten_await_of_a_scope_keeps_the_loop_running_until_its_body_finishes()
    {
        var steps = new List<string>();
        Run(() =>
        {
            _ = CancelScope.MoveOnAfter(S(10)).RunAsync(async () =>
            {
                await Time.SleepAsync(S(1));
                steps.Add("first");
                await Time.SleepAsync(S(1));
                steps.Add("second");
            });
            steps.Add("main returned");
            return Task.CompletedTask;
        });
        Assert.Equal(["main returned", "first", "second"], steps);
    }

    [Fact]
    public void An_orphaned_nursery_that_fails_makes_Run_throw_its_error_with_the_task_tree()
    {
        var error = Assert.Throws<AggregateException>(() => Run(() =>
        {
            _ = Nursery.RunAsync(n =>
            {
                n.StartSoon(async () =>
                {
                    await Time.SleepAsync(S(1));
                    throw new FormatException("orphan failed");
                }, "orphan child");
                return Task.CompletedTask;
            });
            return Task.CompletedTask;
        }));
        Assert.Contains("main returned before the work it started finished (a forgotten await?)", error.Message);
        Assert.Contains("orphan child", error.Message); // the task tree when main returned
        var inner = Assert.Single(error.InnerExceptions);
        var nurseryError = Assert.IsType<AggregateException>(inner);
        Assert.Equal("orphan failed", Assert.IsType<FormatException>(Assert.Single(nurseryError.InnerExceptions)).Message);
    }

    [Fact]
    public void When_main_fails_too_its_error_comes_first_and_the_orphans_error_is_attached()
    {
        var error = Assert.Throws<AggregateException>(() => Run(async () =>
        {
            _ = Nursery.RunAsync(n =>
            {
                n.StartSoon(async () =>
                {
                    await Time.SleepAsync(S(2));
                    throw new FormatException("orphan failed");
                });
                return Task.CompletedTask;
            });
            await Time.SleepAsync(S(1));
            throw new InvalidOperationException("main failed");
        }));
        Assert.Equal(2, error.InnerExceptions.Count);
        Assert.Equal("main failed", Assert.IsType<InvalidOperationException>(error.InnerExceptions[0]).Message);
        Assert.IsType<FormatException>(Assert.Single(((AggregateException)error.InnerExceptions[1]).InnerExceptions));
    }

    [Fact]
    public void An_orphaned_scope_awaiting_a_failing_nursery_reports_the_failure_once()
    {
        var error = Assert.Throws<AggregateException>(() => Run(() =>
        {
            _ = new CancelScope().RunAsync(async () =>
            {
                await Nursery.RunAsync(n =>
                {
                    n.StartSoon(async () => { await Time.SleepAsync(S(1)); throw new FormatException("deep"); });
                    return Task.CompletedTask;
                });
            });
            return Task.CompletedTask;
        }));
        Assert.Single(error.InnerExceptions);
    }

    [Fact]
    public void Work_that_main_awaited_is_not_an_orphan_and_errors_come_out_as_before()
    {
        var error = Assert.Throws<AggregateException>(() => Run(async () =>
            await Nursery.RunAsync(n =>
            {
                n.StartSoon(async () => { await Time.SleepAsync(S(1)); throw new FormatException("awaited"); });
                return Task.CompletedTask;
            })));
        Assert.DoesNotContain("forgotten await", error.Message);
        Assert.IsType<FormatException>(Assert.Single(error.InnerExceptions));
    }
}
