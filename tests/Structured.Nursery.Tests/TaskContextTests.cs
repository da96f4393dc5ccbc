// The posts and sends from the thread pool are what these tests check.
#pragma warning disable STR105

namespace NurseryTests;

/// <summary>
/// A loop task's SynchronizationContext, as .NET code sees it: one object per task for the task's whole life (its own
/// parker is the context, docs/performance.md, issue 13), through which posts and sends from any thread run on the
/// loop as a step of that task.
/// </summary>
public class TaskContextTests
{
    [Fact]
    public void A_loop_task_keeps_one_context_of_its_own_across_every_kind_of_await()
    {
        SynchronizationContext? first = null, last = null, sibling = null;
        Run(() => Nursery.RunAsync(n =>
        {
            n.StartSoon(async () =>
            {
                first = SynchronizationContext.Current;
                await Time.SleepAsync(S(1));
                await Task.Yield();
                await Task.Run(static () => { });
                await Checkpoint.YieldAsync();
                last = SynchronizationContext.Current;
            });
            n.StartSoon(async () =>
            {
                await Checkpoint.YieldAsync();
                sibling = SynchronizationContext.Current;
            });
            return Task.CompletedTask;
        }));
        Assert.NotNull(first);
        Assert.Same(first, last);
        Assert.NotNull(sibling);
        Assert.NotSame(first, sibling);
        Assert.Same(first, first!.CreateCopy());
    }

    [Fact]
    public void A_post_from_the_thread_pool_runs_on_the_loop_thread_as_the_task_whose_context_it_was()
    {
        TaskInfo? poster = null, ranAs = null;
        int loopThread = 0, ranOn = 0;
        Run(() => Nursery.RunAsync(n =>
        {
            n.StartSoon(async () =>
            {
                poster = TaskInfo.Current;
                loopThread = Environment.CurrentManagedThreadId;
                var context = SynchronizationContext.Current!;
                var ran = new TaskCompletionSource();
                await Task.Run(() => context.Post(_ =>
                {
                    ranAs = TaskInfo.Current;
                    ranOn = Environment.CurrentManagedThreadId;
                    ran.SetResult();
                }, null));
                await ran.Task;
            }, "poster");
            return Task.CompletedTask;
        }));
        Assert.Same(poster, ranAs);
        Assert.Equal(loopThread, ranOn);
    }

    [Fact]
    public void Send_runs_at_once_on_the_loop_thread_and_from_another_thread_returns_once_the_loop_ran_it()
    {
        var order = new List<string>();
        int loopThread = 0, sentFromPoolRanOn = 0;
        Run(() => Nursery.RunAsync(n =>
        {
            n.StartSoon(async () =>
            {
                loopThread = Environment.CurrentManagedThreadId;
                var context = SynchronizationContext.Current!;
                context.Send(_ => order.Add("sent on the loop"), null);
                order.Add("after the send on the loop");
                await Task.Run(() =>
                {
                    context.Send(_ =>
                    {
                        sentFromPoolRanOn = Environment.CurrentManagedThreadId;
                        order.Add("sent from the pool");
                    }, null);
                    order.Add("the pool's send returned");
                });
            });
            return Task.CompletedTask;
        }));
        Assert.Equal(["sent on the loop", "after the send on the loop", "sent from the pool", "the pool's send returned"], order);
        Assert.Equal(loopThread, sentFromPoolRanOn);
    }

    [Fact]
    public void A_post_of_a_null_callback_is_refused_at_the_call()
    {
        ArgumentNullException? refused = null;
        Run(() => Nursery.RunAsync(n =>
        {
            n.StartSoon(() =>
            {
                refused = Assert.Throws<ArgumentNullException>(() => SynchronizationContext.Current!.Post(null!, null));
                return Task.CompletedTask;
            });
            return Task.CompletedTask;
        }));
        Assert.Equal("d", refused!.ParamName);
    }

    [Fact]
    public void Two_flows_of_one_task_blocked_at_once_each_resume_as_that_task_in_its_context()
    {
        TaskInfo? owner = null;
        var seen = new List<(TaskInfo Task, SynchronizationContext? Context)>();
        SynchronizationContext? ownContext = null;
        Run(() => Nursery.RunAsync(n =>
        {
            n.StartSoon(async () =>
            {
                owner = TaskInfo.Current;
                ownContext = SynchronizationContext.Current;
                // The second flow finds the task's parker in use and rents another; only the task's own is its context.
                await Task.WhenAll(Flow(S(2)), Flow(S(1)));
            });
            return Task.CompletedTask;
        }));
        Assert.Equal(2, seen.Count);
        Assert.All(seen, s =>
        {
            Assert.Same(owner, s.Task);
            Assert.Same(ownContext, s.Context);
        });

        async Task Flow(TimeSpan sleep)
        {
            await Time.SleepAsync(sleep);
            seen.Add((TaskInfo.Current, SynchronizationContext.Current));
        }
    }
}
