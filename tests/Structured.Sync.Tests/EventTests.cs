using static SyncTests.SyncHarness;

namespace SyncTests;

public class EventTests
{
    [Fact]
    public void Statistics_count_the_waiters()
    {
        Run(async () =>
        {
            var e = new Event();
            Assert.Equal(0, e.Statistics.TasksWaiting);
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await e.WaitAsync());
                n.StartSoon(async () => await e.WaitAsync());
                await Settle();
                Assert.Equal(2, e.Statistics.TasksWaiting);
                e.Set();
                Assert.Equal(0, e.Statistics.TasksWaiting);
            });
        });
    }
}
