namespace NurseryTests;

public class NurseryTests
{
    [Fact]
    public void A_nursery_returns_only_after_the_body_and_every_child_finished()
    {
        var record = new List<string>();
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { await Time.SleepAsync(S(2)); record.Add("slow"); });
                n.StartSoon(async () => { await Time.SleepAsync(S(1)); record.Add("fast"); });
                record.Add("body done");
            });
            record.Add("after");
        });
        Assert.Equal(new[] { "body done", "fast", "slow", "after" }, record);
    }

    [Fact]
    public void Children_start_after_the_spawner_yields_in_spawn_order()
    {
        var record = new List<int>();
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 5; i++)
                {
                    int k = i;
                    n.StartSoon(async () => record.Add(k));
                }
                Assert.Empty(record);
                await Checkpoint.YieldAsync();
                Assert.Equal(new[] { 0, 1, 2, 3, 4 }, record);
            });
        });
    }

    [Fact]
    public void A_child_may_start_siblings_also_after_the_body_returned()
    {
        var record = new List<string>();
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    await Time.SleepAsync(S(1));
                    n.StartSoon(async () => { await Time.SleepAsync(S(1)); record.Add("grandchild-like sibling"); });
                    record.Add("first");
                });
            });
            record.Add("closed");
        });
        Assert.Equal(new[] { "first", "grandchild-like sibling", "closed" }, record);
    }

    [Fact]
    public void StartSoon_on_a_finished_nursery_throws_InvalidOperationException_naming_the_fix()
    {
        Run(async () =>
        {
            Nursery? closed = null;
            await Nursery.RunAsync(async n => closed = n);
            Assert.True(closed!.IsClosed);
            var e = Assert.Throws<InvalidOperationException>(() => closed.StartSoon(async () => await Checkpoint.YieldAsync()));
            Assert.Contains("still open", e.Message);
        });
    }

    [Fact]
    public void Null_delegates_throw_ArgumentNullException()
    {
        Run(async () =>
        {
            await Assert.ThrowsAsync<ArgumentNullException>(() => Nursery.RunAsync(null!));
            await Nursery.RunAsync(async n =>
            {
                Assert.Throws<ArgumentNullException>(() => n.StartSoon((Func<Task>)null!));
                Assert.Throws<ArgumentNullException>(() => n.StartSoon((Func<CancellationToken, Task>)null!));
                await Assert.ThrowsAsync<ArgumentNullException>(() => n.StartAsync(null!));
            });
        });
    }

    [Fact]
    public void StartSoon_from_another_thread_than_the_loop_throws_InvalidOperationException()
    {
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                var e = await Task.Run(() => Record.Exception(() => n.StartSoon(async () => await Checkpoint.YieldAsync())));
                Assert.IsType<InvalidOperationException>(e);
            });
        });
    }

    [Fact]
    public void RunAsync_of_T_returns_the_body_value()
        => Assert.Equal(42, Run(async () => await Nursery.RunAsync(async n => { await Checkpoint.YieldAsync(); return 42; })));

    [Fact]
    public void AsyncLocal_values_flow_into_children_as_a_copy()
    {
        var local = new AsyncLocal<string>();
        string? seenByChild = null, parentAfter = null;
        Run(async () =>
        {
            local.Value = "parent";
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { seenByChild = local.Value; local.Value = "child"; await Checkpoint.YieldAsync(); });
                await Time.SleepAsync(S(1));
                parentAfter = local.Value;
            });
        });
        Assert.Equal("parent", seenByChild);
        Assert.Equal("parent", parentAfter);
    }

    [Fact]
    public void TaskInfo_names_the_running_task_and_its_parent_nursery()
    {
        string? name = null;
        Nursery? parent = null, outer = null;
        TaskState state = default;
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                outer = n;
                n.StartSoon(async () =>
                {
                    await Checkpoint.YieldAsync();
                    name = TaskInfo.Current.Name;
                    parent = TaskInfo.Current.Parent;
                    state = TaskInfo.Current.State;
                }, "worker-9");
            });
        });
        Assert.Equal("worker-9", name);
        Assert.Same(outer, parent);
        Assert.Equal(TaskState.Running, state);
    }

    [Fact]
    public void A_task_without_a_name_is_named_after_its_function()
    {
        string? name = null;
        Run(async () => await Nursery.RunAsync(async n => n.StartSoon(async () => name = TaskInfo.Current.Name)));
        Assert.Contains("<lambda>", name);
    }

    [Fact]
    public void Children_lists_the_running_children_in_spawn_order()
    {
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await Time.SleepAsync(S(1)), "a");
                n.StartSoon(async () => await Time.SleepAsync(S(2)), "b");
                Assert.Equal(new[] { "a", "b" }, n.Children.Select(c => c.Name));
                await Time.SleepAsync(S(1.5));
                Assert.Equal(new[] { "b" }, n.Children.Select(c => c.Name));
            });
        });
    }

    [Fact]
    public void The_nursery_exit_is_a_schedule_point_even_without_children()
    {
        var record = new List<string>();
        Run(async () =>
        {
            await Nursery.RunAsync(async outer =>
            {
                outer.StartSoon(async () => record.Add("other"));
                await Nursery.RunAsync(async inner => record.Add("inner body"));
                record.Add("after inner");
            });
        });
        Assert.Equal(new[] { "inner body", "other", "after inner" }, record);
    }
}
