namespace Structured.Tests;

/// <summary>
/// A loop that makes every spawn a schedule point of the spawner (<c>LoopOptions.YieldAtSpawn</c>, set by
/// <c>TestLoopOptions.YieldAtSpawn</c>): the steps other tasks take there run nested inside <c>StartSoon</c>, and the
/// spawner goes on afterwards in its own context.
/// </summary>
public class SpawnYieldTests
{
    static LoopOptions Yielding() => new() { Clock = AutoClock(), YieldAtSpawn = true };

    [Fact]
    public void Off_by_default_the_spawner_runs_on_after_a_spawn_and_with_it_the_child_runs_first()
    {
        static Func<Task> Scenario(List<string> log) => () => Nursery.RunAsync(n =>
        {
            n.StartSoon(() =>
            {
                log.Add("child");
                return Task.CompletedTask;
            });
            log.Add("after the spawn");
            return Task.CompletedTask;
        });
        var plain = new List<string>();
        Run(Scenario(plain));
        Assert.Equal(["after the spawn", "child"], plain);
        var yielding = new List<string>();
        Run(Scenario(yielding), Yielding());
        Assert.Equal(["child", "after the spawn"], yielding);
    }

    [Fact]
    public void The_spawner_goes_on_in_its_own_task_scope_and_flow_after_the_nested_steps()
    {
        var flow = new AsyncLocal<string>();
        TaskInfo? spawner = null, after = null;
        CancelScope? inner = null, currentAfter = null;
        string? flowAfter = null, flowInChild = null;
        Run(() => Nursery.RunAsync(async n =>
        {
            spawner = TaskInfo.Current;
            inner = new CancelScope();
            await inner.RunAsync(() =>
            {
                flow.Value = "spawner's";
                n.StartSoon(async () =>
                {
                    flow.Value = "child's";
                    await Checkpoint.YieldAsync();
                    flowInChild = flow.Value;
                }, "child");
                after = TaskInfo.Current;
                currentAfter = CancelScope.Current;
                flowAfter = flow.Value;
                return Task.CompletedTask;
            });
        }), Yielding());
        Assert.Same(spawner, after);
        Assert.Same(inner, currentAfter);
        Assert.Equal("spawner's", flowAfter);
        Assert.Equal("child's", flowInChild);
    }

    [Fact]
    public void A_child_that_fails_in_a_nested_step_fails_its_nursery_as_itself_and_the_spawner_is_cancelled_at_its_next_checkpoint()
    {
        bool ranOn = false, cancelledAtNext = false;
        var error = Run(async () => await Catch(() => Nursery.RunAsync(async n =>
        {
            n.StartSoon(() => throw new InvalidOperationException("child failed"), "failing");
            ranOn = true;
            try
            {
                await Checkpoint.YieldAsync();
            }
            catch (Cancelled)
            {
                cancelledAtNext = true;
                throw;
            }
        })), Yielding());
        Assert.True(ranOn);
        Assert.True(cancelledAtNext);
        var own = error is AggregateException { InnerExceptions.Count: 1 } one ? one.InnerExceptions[0] : error;
        Assert.Equal("child failed", Assert.IsType<InvalidOperationException>(own).Message);
    }

    [Fact]
    public void StartSoonForResult_keeps_its_child_before_the_nested_steps_and_the_value_arrives()
    {
        ChildResult<int>? result = null;
        TaskInfo? childSeen = null;
        Run(() => Nursery.RunAsync(n =>
        {
            result = n.StartSoonForResult(() => Task.FromResult(42), "answer");
            childSeen = result.Child;
            return Task.CompletedTask;
        }), Yielding());
        Assert.Equal("answer", childSeen?.Name);
        Assert.Equal(42, result!.Value);
    }

    [Fact]
    public void Spawns_inside_nested_steps_nest_again_and_the_spawners_go_on_innermost_first()
    {
        var log = new List<string>();
        Run(() => Nursery.RunAsync(n =>
        {
            n.StartSoon(() =>
            {
                n.StartSoon(() =>
                {
                    log.Add("grandchild");
                    return Task.CompletedTask;
                }, "grandchild");
                log.Add("child after its spawn");
                return Task.CompletedTask;
            }, "child");
            log.Add("main after its spawn");
            return Task.CompletedTask;
        }), Yielding());
        // FIFO: main is preempted behind the child; the child is preempted behind the grandchild; main's entry left
        // the queue while the child was preempted and came back behind it.
        Assert.Equal(["grandchild", "child after its spawn", "main after its spawn"], log);
    }

    [Fact]
    public void A_spawn_from_a_loop_callback_is_not_preempted()
    {
        var log = new List<string>();
        Run(() => Nursery.RunAsync(async n =>
        {
            var loop = Loop.Current!;
            var posted = new Event();
            loop.Post(() =>
            {
                n.StartSoon(() =>
                {
                    log.Add("child");
                    return Task.CompletedTask;
                });
                log.Add("callback after the spawn");
                posted.Set();
            });
            await posted.WaitAsync();
        }), Yielding());
        Assert.Equal(["callback after the spawn", "child"], log);
    }
}
