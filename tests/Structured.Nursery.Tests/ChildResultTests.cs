namespace NurseryTests;

public class ChildResultTests
{
    [Fact]
    public void Values_are_read_after_the_nursery_ends_whatever_order_the_children_finish_in()
    {
        var (a, b, c) = Run(async () =>
        {
            ChildResult<int> slow = null!, fast = null!;
            ChildResult<string> text = null!;
            await Nursery.RunAsync(n =>
            {
                slow = n.StartSoonForResult(async () => { await Time.SleepAsync(S(3)); return 3; }, "slow");
                fast = n.StartSoonForResult(async () => { await Time.SleepAsync(S(1)); return 1; }, "fast");
                text = n.StartSoonForResult(async ct => { await Task.Delay(S(2), Loop.Current!.Clock, ct); return "two"; }, "text");
                return Task.CompletedTask;
            });
            Assert.True(slow.IsCompletedSuccessfully && fast.IsCompleted && text.Exception is null);
            return (slow.Value, fast.Value, text.Value);
        });
        Assert.Equal((3, 1, "two"), (a, b, c));
    }

    [Fact]
    public void A_value_read_before_the_child_finished_says_so_and_names_the_task()
    {
        InvalidOperationException? error = null;
        Run(() => Nursery.RunAsync(n =>
        {
            var result = n.StartSoonForResult(async () => { await Checkpoint.YieldAsync(); return 1; }, "fetch users");
            error = Assert.Throws<InvalidOperationException>(() => result.Value);
            Assert.False(result.IsCompleted);
            return Task.CompletedTask;
        }));
        Assert.Contains("'fetch users'", error!.Message);
        Assert.Contains("has not finished", error.Message);
    }

    [Fact]
    public void A_failing_child_fails_the_nursery_once_and_its_result_has_no_value()
    {
        var boom = new FormatException("bad page");
        ChildResult<int> result = null!;
        var e = Run(() => Catch(() => Nursery.RunAsync(n =>
        {
            result = n.StartSoonForResult<int>(async () => { await Time.SleepAsync(S(1)); throw boom; }, "page 2");
            return Task.CompletedTask;
        })));
        Assert.Same(boom, Assert.Single(Assert.IsType<AggregateException>(e).InnerExceptions));
        Assert.Same(boom, result.Exception);
        Assert.False(result.IsCompletedSuccessfully);
        var noValue = Assert.Throws<InvalidOperationException>(() => result.Value);
        Assert.Same(boom, noValue.InnerException);
        Assert.Contains("'page 2'", noValue.Message);
    }

    [Fact]
    public void A_child_awaited_by_the_body_hands_over_its_value_and_the_body_goes_on()
    {
        var log = new List<string>();
        Run(() => Nursery.RunAsync(async n =>
        {
            var token = n.StartSoonForResult(async () => { await Time.SleepAsync(S(2)); return "token-42"; }, "login");
            log.Add("waiting at " + Time.Now.TotalSeconds);
            var value = await token.WaitAsync();
            log.Add($"{value} at {Time.Now.TotalSeconds}");
            var user = n.StartSoonForResult(async () => { await Time.SleepAsync(S(1)); return value + "/user"; }, "user");
            log.Add(await user.WaitAsync());
        }));
        Assert.Equal(["waiting at 0", "token-42 at 2", "token-42/user"], log);
    }

    [Fact]
    public void An_error_the_body_awaited_and_let_go_is_reported_once_under_the_child()
    {
        var boom = new InvalidOperationException("boom");
        var e = Run(() => Catch(() => Nursery.RunAsync(async n =>
        {
            var result = n.StartSoonForResult<int>(async () => { await Time.SleepAsync(S(1)); throw boom; }, "child");
            await result.WaitAsync(); // throws boom itself, which the body lets go
        })));
        var aggregate = Assert.IsType<AggregateException>(e);
        Assert.Same(boom, Assert.Single(aggregate.InnerExceptions));
        Assert.Equal("child", boom.GetTaskName());
    }

    [Fact]
    public void Waiting_is_a_checkpoint_even_for_a_finished_child()
    {
        var scope = new CancelScope();
        bool reached = false;
        Run(() => Nursery.RunAsync(async n =>
        {
            var result = n.StartSoonForResult(() => Task.FromResult(7), "seven");
            await Time.SleepAsync(S(1));
            Assert.True(result.IsCompletedSuccessfully);
            await scope.RunAsync(async () =>
            {
                scope.Cancel("stop");
                await result.WaitAsync();
                reached = true;
            });
            Assert.Equal(7, result.Value);
        }));
        Assert.True(scope.CancelledCaught);
        Assert.False(reached);
    }

    [Fact]
    public void A_waiter_cancelled_by_its_token_leaves_the_child_running()
    {
        Run(() => Nursery.RunAsync(async n =>
        {
            var result = n.StartSoonForResult(async () => { await Time.SleepAsync(S(5)); return 5; }, "five");
            using var source = new CancellationTokenSource(S(1), Loop.Current!.Clock);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await result.WaitAsync(source.Token));
            Assert.False(result.IsCompleted);
            Assert.Equal(5, await result.WaitAsync());
        }));
    }

    [Fact]
    public void The_token_form_gets_the_nursery_s_token_and_the_child_ends_cancelled_with_it()
    {
        ChildResult<int> result = null!;
        Run(() => Nursery.RunAsync(async n =>
        {
            result = n.StartSoonForResult(async ct => { await Task.Delay(Timeout.InfiniteTimeSpan, ct); return 1; }, "forever");
            await Time.SleepAsync(S(1));
            n.CancelScope.Cancel("enough");
        }));
        Assert.IsAssignableFrom<OperationCanceledException>(result.Exception);
        Assert.Throws<InvalidOperationException>(() => result.Value);
    }

    [Fact]
    public void ValueTask_functions_are_accepted_in_both_forms()
    {
        var values = Run(async () =>
        {
            ChildResult<int> a = null!, b = null!;
            await Nursery.RunAsync(n =>
            {
                a = n.StartSoonForResult(() => new ValueTask<int>(1));
                b = n.StartSoonForResult(static async (CancellationToken ct) => { await Checkpoint.YieldAsync(); return 2; });
                return Task.CompletedTask;
            });
            return a.Value + b.Value;
        });
        Assert.Equal(3, values);
    }

    [Fact]
    public void Bad_input_is_refused_at_the_call_and_a_null_task_fails_the_child_with_a_clear_error()
    {
        var e = Run(() => Catch(() => Nursery.RunAsync(n =>
        {
            Assert.Throws<ArgumentNullException>(() => n.StartSoonForResult((Func<Task<int>>)null!));
            Assert.Throws<ArgumentNullException>(() => n.StartSoonForResult((Func<CancellationToken, Task<int>>)null!));
            n.StartSoonForResult(() => (Task<int>)null!, "null task");
            return Task.CompletedTask;
        })));
        var error = Assert.Single(Assert.IsType<AggregateException>(e).InnerExceptions);
        Assert.Contains("returned a null Task", Assert.IsType<InvalidOperationException>(error).Message);
    }

    [Fact]
    public void Off_the_loop_a_thousand_children_on_the_thread_pool_each_hand_back_their_value()
    {
        OffLoop(async () =>
        {
            var results = new List<ChildResult<int>>();
            await Nursery.RunAsync(n =>
            {
                for (int i = 0; i < 1000; i++)
                {
                    int x = i;
                    results.Add(n.StartSoonForResult(async () => { await Task.Yield(); return x * x; }, $"square {x}"));
                }
                return Task.CompletedTask;
            });
            Assert.Equal(Enumerable.Range(0, 1000).Select(x => x * x), results.Select(r => r.Value));
        });
    }

    [Fact]
    public void Off_the_loop_waiters_on_other_threads_all_wake_when_the_child_finishes()
    {
        OffLoop(async () =>
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var seen = new int[8];
            await Nursery.RunAsync(n =>
            {
                var result = n.StartSoonForResult(async () => { await gate.Task; return 99; }, "slow");
                for (int i = 0; i < seen.Length; i++)
                {
                    int at = i;
                    n.StartSoon(async () => seen[at] = await result.WaitAsync(), $"waiter {at}");
                }
                n.StartSoon(async () => { await Task.Yield(); gate.SetResult(); }, "opener");
                return Task.CompletedTask;
            });
            Assert.All(seen, v => Assert.Equal(99, v));
        });
    }
}
