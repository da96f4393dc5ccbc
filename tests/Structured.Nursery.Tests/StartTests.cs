namespace NurseryTests;

public class StartTests
{
    [Fact]
    public void StartAsync_returns_the_started_value_and_the_child_then_belongs_to_the_nursery()
    {
        int port = 0;
        Nursery? target = null, parentAfter = null;
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                target = n;
                port = await n.StartAsync<int>(async started =>
                {
                    await Time.SleepAsync(S(1));
                    started.Started(8080);
                    parentAfter = TaskInfo.Current.Parent;
                    await Time.SleepAsync(S(1));
                }, "server");
                Assert.Equal(new[] { "server" }, n.Children.Select(c => c.Name));
            });
        });
        Assert.Equal(8080, port);
        Assert.Same(target, parentAfter);
    }

    [Fact]
    public void An_error_before_Started_comes_out_of_StartAsync_as_itself_and_the_nursery_is_untouched()
    {
        var error = new IOException("cannot bind");
        Exception? seen = null;
        bool nurseryCancelled = true;
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                seen = await Catch(() => n.StartAsync(async started => { await Checkpoint.YieldAsync(); throw error; }));
                nurseryCancelled = n.CancelScope.CancelCalled;
            });
        });
        Assert.Same(error, seen);
        Assert.False(nurseryCancelled);
    }

    [Fact]
    public void Returning_without_Started_or_calling_it_twice_is_an_InvalidOperationException()
    {
        Exception? returned = null, twice = null;
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                returned = await Catch(() => n.StartAsync(async started => await Checkpoint.YieldAsync()));
                await n.StartAsync(async started =>
                {
                    started.Started();
                    twice = Record.Exception(() => started.Started());
                });
            });
        });
        Assert.IsType<InvalidOperationException>(returned);
        Assert.IsType<InvalidOperationException>(twice);
    }

    [Fact]
    public void Before_Started_the_child_runs_under_the_callers_scope_and_after_under_the_nursery()
    {
        var record = new List<string>();
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                var caller = CancelScope.MoveOnAfter(S(1));
                await caller.RunAsync(async () =>
                    await n.StartAsync(async started =>
                    {
                        try { await Time.SleepForeverAsync(); }
                        catch (Cancelled c) { record.Add(c.Reason); throw; }
                    }));
                var second = CancelScope.MoveOnAfter(S(1));
                await second.RunAsync(async () =>
                    await n.StartAsync(async started =>
                    {
                        started.Started();
                        await Time.SleepAsync(S(5));
                        record.Add("outlived the caller's scope");
                    }));
                Assert.False(second.CancelledCaught);
            });
        });
        Assert.Equal(2, record.Count);
        Assert.Contains("deadline", record[0]);
        Assert.Equal("outlived the caller's scope", record[1]);
    }

    [Fact]
    public void A_started_child_keeps_its_own_inner_scopes_when_it_moves()
    {
        var inner = new CancelScope();
        bool innerCaught = false;
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                await n.StartAsync(async started =>
                {
                    await inner.RunAsync(async () =>
                    {
                        started.Started();
                        await Time.SleepAsync(S(1));
                        inner.Cancel();
                        await Checkpoint.YieldAsync();
                    });
                    innerCaught = inner.CancelledCaught;
                });
            });
        });
        Assert.True(innerCaught);
    }
}
