using static SyncTests.SyncHarness;

namespace SyncTests;

public class CapacityLimiterTests
{
    [Fact]
    public void Constructor_and_TotalTokens_need_at_least_one_token()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CapacityLimiter(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CapacityLimiter(-1));
        var c = new CapacityLimiter(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => c.TotalTokens = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => c.TotalTokens = -10);
        Assert.Equal(2, c.TotalTokens);
        Assert.Throws<ArgumentNullException>(() => c.TryAcquireOnBehalfOf(null!));
        Assert.Throws<ArgumentNullException>(() => c.ReleaseOnBehalfOf(null!));
    }

    [Fact]
    public void Borrowers_statistics_and_the_same_borrower_twice()
    {
        Run(async () =>
        {
            var c = new CapacityLimiter(2);
            Assert.True(c.TryAcquire());
            var stats = c.Statistics;
            Assert.Equal(1, stats.BorrowedTokens);
            Assert.Equal(2, stats.TotalTokens);
            Assert.Equal(new object[] { TaskInfo.Current }, stats.Borrowers);
            Assert.Equal(0, stats.TasksWaiting);
            Assert.IsType<InvalidOperationException>(CatchSync(() => c.TryAcquire()));
            Assert.IsType<InvalidOperationException>(await Catch(async () => await c.AcquireAsync()));
            await c.AcquireOnBehalfOfAsync("someone");
            Assert.False(c.TryAcquireOnBehalfOf("third party"));
            Assert.Equal(new HashSet<object> { TaskInfo.Current, "someone" }, c.Statistics.Borrowers.ToHashSet());
            c.ReleaseOnBehalfOf(TaskInfo.Current);
            Assert.Equal(new object[] { "someone" }, c.Statistics.Borrowers);
            c.ReleaseOnBehalfOf("someone");
            Assert.Equal(0, c.BorrowedTokens);
            Assert.IsType<InvalidOperationException>(CatchSync(() => c.ReleaseOnBehalfOf("someone")));

            await Nursery.RunAsync(async n =>
            {
                await c.AcquireOnBehalfOfAsync("value 1");
                await c.AcquireOnBehalfOfAsync("value 2");
                n.StartSoon(async () => await c.AcquireOnBehalfOfAsync("value 3"));
                await Settle();
                Assert.Equal(1, c.Statistics.TasksWaiting);
                // The same borrower may not wait twice either.
                Assert.IsType<InvalidOperationException>(CatchSync(() => c.TryAcquireOnBehalfOf("value 3")));
                c.ReleaseOnBehalfOf("value 2");
                Assert.Equal(2, c.BorrowedTokens); // fairness: handed to "value 3" at once
                Assert.False(c.TryAcquire());
            });
            c.ReleaseOnBehalfOf("value 3");
            c.ReleaseOnBehalfOf("value 1");
            Assert.Equal(2, c.AvailableTokens);
        });
    }

    [Fact]
    public void Raising_TotalTokens_lends_at_once_and_lowering_waits_for_releases()
    {
        Run(async () =>
        {
            var c = new CapacityLimiter(2);
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 5; i++)
                {
                    int k = i;
                    n.StartSoon(async () => await c.AcquireOnBehalfOfAsync(k));
                    await Settle();
                }
                Assert.Equal(new HashSet<object> { 0, 1 }, c.Statistics.Borrowers.ToHashSet());
                Assert.Equal(3, c.Statistics.TasksWaiting);
                c.TotalTokens += 2;
                Assert.Equal(new HashSet<object> { 0, 1, 2, 3 }, c.Statistics.Borrowers.ToHashSet());
                Assert.Equal(1, c.Statistics.TasksWaiting);
                c.TotalTokens -= 3;
                Assert.Equal(4, c.BorrowedTokens);
                Assert.Equal(1, c.TotalTokens);
                Assert.Equal(-3, c.AvailableTokens);
                c.ReleaseOnBehalfOf(0);
                c.ReleaseOnBehalfOf(1);
                c.ReleaseOnBehalfOf(2);
                Assert.Equal(new object[] { 3 }, c.Statistics.Borrowers);
                Assert.Equal(1, c.Statistics.TasksWaiting);
                c.ReleaseOnBehalfOf(3);
                Assert.Equal(new object[] { 4 }, c.Statistics.Borrowers);
                Assert.Equal(0, c.Statistics.TasksWaiting);
            });
            c.ReleaseOnBehalfOf(4);
        });
    }

    [Fact]
    public void A_cancelled_waiter_leaves_no_pending_borrower_behind()
    {
        Run(async () =>
        {
            var c = new CapacityLimiter(1);
            await c.AcquireAsync();
            using var cts = new CancellationTokenSource();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => Assert.IsType<OperationCanceledException>(await Catch(async () => await c.AcquireOnBehalfOfAsync("pending", cts.Token))));
                await Settle();
                Assert.IsType<InvalidOperationException>(CatchSync(() => c.TryAcquireOnBehalfOf("pending")));
                cts.Cancel();
                await Settle();
            });
            Assert.Equal(0, c.Statistics.TasksWaiting);
            c.Release();
            Assert.True(c.TryAcquireOnBehalfOf("pending")); // no trace of the cancelled wait
            c.ReleaseOnBehalfOf("pending");
        });
    }

    [Fact]
    public void Release_outside_any_task_throws_InvalidOperationException()
    {
        var c = new CapacityLimiter(1);
        Assert.IsType<InvalidOperationException>(CatchSync(() => c.Release()));
    }
}
