using static SyncTests.SyncHarness;

namespace SyncTests;

public class AsyncSemaphoreTests
{
    [Fact]
    public void Constructor_checks_its_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AsyncSemaphore(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AsyncSemaphore(2, 1));
        Assert.Equal(0, new AsyncSemaphore(0, 0).Value);
        Assert.Null(new AsyncSemaphore(1).MaxValue);
        Assert.Equal(3, new AsyncSemaphore(1, 3).MaxValue);
    }

    [Fact]
    public void Release_above_max_throws_SemaphoreFullException_and_leaves_the_value()
    {
        var s = new AsyncSemaphore(1, 2);
        s.Release();
        Assert.Equal(2, s.Value);
        Assert.Throws<SemaphoreFullException>(() => s.Release());
        Assert.Equal(2, s.Value);
        Assert.True(s.TryAcquire());
        Assert.Equal(1, s.Value);
    }

    [Fact]
    public void A_release_with_waiters_goes_to_the_first_one_even_at_max()
    {
        var record = new List<int>();
        Run(async () =>
        {
            var s = new AsyncSemaphore(0, 0);
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 2; i++)
                {
                    int k = i;
                    n.StartSoon(async () => { await s.AcquireAsync(); record.Add(k); });
                }
                await Settle();
                Assert.Equal(2, s.Statistics.TasksWaiting);
                s.Release();
                Assert.Equal(0, s.Value);
                Assert.False(s.TryAcquire());
                await Settle();
                Assert.Equal(new[] { 0 }, record);
                s.Release();
                Assert.Throws<SemaphoreFullException>(() => s.Release());
            });
        });
        Assert.Equal(new[] { 0, 1 }, record);
    }

    [Fact]
    public void A_cancelled_acquire_leaves_the_value_unchanged()
    {
        Run(async () =>
        {
            var s = new AsyncSemaphore(0);
            using var cts = new CancellationTokenSource();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await CancelScope.MoveOnAfter(S(1)).RunAsync(async () => await s.AcquireAsync()));
                n.StartSoon(async () => Assert.IsType<OperationCanceledException>(await Catch(async () => await s.AcquireAsync(cts.Token))));
                await Settle();
                cts.Cancel();
                await Time.SleepAsync(S(2));
                Assert.Equal(0, s.Statistics.TasksWaiting);
            });
            s.Release();
            Assert.Equal(1, s.Value);
            var scope = new CancelScope();
            scope.Cancel();
            await scope.RunAsync(async () => await s.AcquireAsync());
            Assert.True(scope.CancelledCaught);
            Assert.Equal(1, s.Value);
        });
    }

    [Fact]
    public void Any_task_or_thread_may_release()
    {
        Run(async () =>
        {
            var s = new AsyncSemaphore(0);
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await s.AcquireAsync());
                await Settle();
                await ToThread.RunAsync(() => s.Release());
            });
            Assert.Equal(0, s.Value);
        });
    }
}
