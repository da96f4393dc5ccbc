namespace NurseryTests;

public class ErrorTaskNameTests
{
    [Fact]
    public void The_nursery_s_error_names_the_child_that_failed()
    {
        var boom = new InvalidOperationException("boom");
        var e = Run(() => Catch(() => Nursery.RunAsync(n =>
        {
            n.StartSoon(() => Time.SleepForeverAsync(), "idle");
            n.StartSoon(async () => { await Time.SleepAsync(S(1)); throw boom; }, "job-3");
            return Task.CompletedTask;
        })));
        var aggregate = Assert.IsType<AggregateException>(e);
        Assert.Same(boom, Assert.Single(aggregate.InnerExceptions)); // the sibling's cancellation was stripped
        Assert.StartsWith("Task 'job-3' failed in the nursery of task '", aggregate.Message, StringComparison.Ordinal);
        Assert.EndsWith("(boom)", aggregate.Message, StringComparison.Ordinal);
        Assert.Equal("job-3", boom.GetTaskName());
    }

    [Fact]
    public void Several_failures_are_listed_in_the_order_they_happened_and_the_body_is_named_as_such()
    {
        var e = Run(() => Catch(() => Nursery.RunAsync(async n =>
        {
            var go = new Event();
            n.StartSoon(async () => { await go.WaitAsync(); throw new FormatException("a"); }, "parse");
            n.StartSoon(async () => { await go.WaitAsync(); throw new IOException("b"); }, "read");
            await Checkpoint.YieldAsync();
            go.Set();
            throw new TimeoutException("c");
        })));
        var aggregate = Assert.IsType<AggregateException>(e);
        Assert.Equal(3, aggregate.InnerExceptions.Count);
        Assert.Contains("3 tasks failed in the nursery of task '", aggregate.Message);
        Assert.Contains("(nursery body)' (TimeoutException), task 'parse' (FormatException), task 'read' (IOException)", aggregate.Message);
        Assert.EndsWith("(nursery body)", aggregate.InnerExceptions[0].GetTaskName(), StringComparison.Ordinal);
    }

    [Fact]
    public void Across_nested_nurseries_a_leaf_keeps_the_name_of_the_task_it_was_thrown_in()
    {
        var boom = new InvalidOperationException("deep");
        var e = Run(() => Catch(() => Nursery.RunAsync(outer =>
        {
            outer.StartSoon(() => Nursery.RunAsync(inner =>
            {
                inner.StartSoon(async () => { await Time.SleepAsync(S(1)); throw boom; }, "leaf");
                return Task.CompletedTask;
            }), "worker");
            return Task.CompletedTask;
        })));
        var top = Assert.IsType<AggregateException>(e);
        var middle = Assert.IsType<AggregateException>(Assert.Single(top.InnerExceptions));
        Assert.Same(boom, Assert.Single(middle.InnerExceptions));
        Assert.Equal("leaf", boom.GetTaskName());
        Assert.Equal("worker", middle.GetTaskName());
        Assert.StartsWith("Task 'worker' failed", top.Message, StringComparison.Ordinal);
        Assert.Contains("Task 'leaf' failed in the nursery of task 'worker'", top.Message);
    }

    [Fact]
    public void An_exception_no_nursery_recorded_has_no_task_name()
    {
        Assert.Null(new InvalidOperationException().GetTaskName());
        Assert.Throws<ArgumentNullException>(() => ((Exception)null!).GetTaskName());
    }

    [Fact]
    public void Off_the_loop_the_failing_child_is_named_too()
    {
        OffLoop(async () =>
        {
            var e = await Catch(() => Nursery.RunAsync(n =>
            {
                for (int i = 0; i < 10; i++)
                {
                    int at = i;
                    n.StartSoon(async ct =>
                    {
                        await Task.Yield();
                        if (at == 7)
                            throw new ArgumentException("seven");
                        await Task.Delay(Timeout.Infinite, ct);
                    }, $"job-{at}");
                }
                return Task.CompletedTask;
            }));
            var aggregate = Assert.IsType<AggregateException>(e);
            Assert.Equal("job-7", Assert.Single(aggregate.InnerExceptions).GetTaskName());
            Assert.StartsWith("Task 'job-7' failed", aggregate.Message, StringComparison.Ordinal);
        });
    }
}
