namespace NurseryTests;

/// <summary>
/// StartAsync off the loop: the child runs on the pool as soon as it is scheduled, so it may call Started before
/// StartAsync has taken its next step. A hook holds the caller right after scheduling until the child's Started
/// returned (or threw): the window, held open on purpose.
/// </summary>
[Collection("OffLoop")]
public class StartRaceTests
{
    [Fact]
    public void A_child_that_calls_Started_on_the_pool_before_StartAsync_goes_on_is_started_and_adopted()
    {
        string name = $"startable {Guid.NewGuid():N}";
        using var startedReturned = new ManualResetEventSlim();
        Exception? startedError = null;
        Nursery? target = null, parentAfter = null;
        Nursery.StartScheduledHook = child =>
        {
            // Other tests' StartAsync calls pass through untouched.
            if (child.Name == name)
                Assert.True(startedReturned.Wait(TimeSpan.FromMinutes(1)), "the child never ran its Started call");
        };
        try
        {
            OffLoop(async () =>
            {
                await Nursery.RunAsync(async n =>
                {
                    target = n;
                    int value = await n.StartAsync<int>(async started =>
                    {
                        try
                        {
                            started.Started(42);
                        }
                        catch (Exception e)
                        {
                            startedError = e;
                            throw;
                        }
                        finally
                        {
                            startedReturned.Set();
                        }
                        parentAfter = TaskInfo.Current.Parent;
                        await Checkpoint.YieldAsync();
                    }, name);
                    Assert.Equal(42, value);
                });
            });
        }
        finally
        {
            Nursery.StartScheduledHook = null;
        }
        Assert.Null(startedError);
        Assert.Same(target, parentAfter);
    }

    [Fact]
    public void A_child_that_calls_Started_from_another_thread_before_StartAsync_goes_on_is_started()
    {
        string name = $"startable {Guid.NewGuid():N}";
        using var startedReturned = new ManualResetEventSlim();
        Nursery.StartScheduledHook = child =>
        {
            if (child.Name == name)
                Assert.True(startedReturned.Wait(TimeSpan.FromMinutes(1)), "the child never ran its Started call");
        };
        try
        {
            OffLoop(async () =>
            {
                await Nursery.RunAsync(async n =>
                {
                    string value = await n.StartAsync<string>(async started =>
                    {
                        try
                        {
                            await Task.Run(() => started.Started("ready"));
                        }
                        finally
                        {
                            startedReturned.Set();
                        }
                    }, name);
                    Assert.Equal("ready", value);
                });
            });
        }
        finally
        {
            Nursery.StartScheduledHook = null;
        }
    }
}
