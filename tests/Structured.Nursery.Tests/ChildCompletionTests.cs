// These tests leave the loop on purpose: the body's end on a pool thread is what they check.
#pragma warning disable STR105

namespace NurseryTests;

/// <summary>
/// How a loop child's end reaches its nursery: inline when its body ends in one of its own steps, posted back to the
/// loop when the body ends elsewhere (a pool thread after <c>ConfigureAwait(false)</c>, or another task's step). The
/// completion finds the child from the SynchronizationContext it runs in (docs/performance.md, issue 13).
/// </summary>
public class ChildCompletionTests
{
    [Fact]
    public void A_loop_child_whose_body_ends_on_the_thread_pool_is_joined()
    {
        int done = 0;
        Run(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 20; i++)
                {
                    n.StartSoon(async () =>
                    {
                        await Task.Run(static () => { }).ConfigureAwait(false);
                        Interlocked.Increment(ref done);
                    });
                }
            });
            Assert.Equal(20, Volatile.Read(ref done));
        });
    }

    [Fact]
    public void A_loop_child_whose_body_fails_on_the_thread_pool_reports_its_error()
    {
        var error = Run(() => Catch(() => Nursery.RunAsync(async n =>
        {
            n.StartSoon(async () =>
            {
                await Task.Run(static () => { }).ConfigureAwait(false);
                throw new InvalidOperationException("failed off the loop");
            });
        })));
        var failure = Assert.Single(Assert.IsType<AggregateException>(error).InnerExceptions);
        Assert.Equal("failed off the loop", Assert.IsType<InvalidOperationException>(failure).Message);
    }

    [Fact]
    public void A_loop_child_resumed_by_a_sibling_s_step_is_joined_after_its_own_last_step()
    {
        var record = new List<string>();
        Run(async () =>
        {
            var signal = new TaskCompletionSource();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    await signal.Task;
                    record.Add("waiter resumed");
                });
                n.StartSoon(async () =>
                {
                    await Checkpoint.YieldAsync();
                    signal.SetResult();
                    record.Add("setter done");
                });
            });
            record.Add("joined");
        });
        Assert.Equal(new[] { "setter done", "waiter resumed", "joined" }, record);
    }
}
