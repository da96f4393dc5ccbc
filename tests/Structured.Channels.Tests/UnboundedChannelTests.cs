namespace ChannelsTests;

/// <summary>An unbounded channel: the shared contract, and what only an unbounded buffer does.</summary>
public sealed class UnboundedChannelTests : ChannelContractTests
{
    protected override int Capacity => MemoryChannel.Unbounded;

    [Fact]
    public void A_sender_never_blocks_and_the_buffer_grows_as_needed()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            for (int i = 0; i < 10_000; i++)
                Assert.True(s.TrySend(i));
            for (int i = 10_000; i < 20_000; i++)
                await s.SendAsync(i);
            Assert.Equal(20_000, s.Statistics.BufferUsed);
            Assert.Equal(MemoryChannel.Unbounded, s.Statistics.Capacity);
            s.Close();
            int expected = 0;
            await foreach (var x in r)
                Assert.Equal(expected++, x);
            Assert.Equal(20_000, expected);
        });
    }

    [Fact]
    public void Non_blocking_sends_and_receives_yield_to_other_tasks_once_the_cooperative_budget_is_spent()
    {
        const int Budget = 16;
        var sentWhenObserved = -1;
        var receivedWhenObserved = -1;
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            int sent = 0, received = 0;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < 1000; i++) { await s.SendAsync(i); sent++; }
                });
                n.StartSoon(async () => { sentWhenObserved = sent; await Task.CompletedTask; });
            });
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < 1000; i++) { await r.ReceiveAsync(); received++; }
                });
                n.StartSoon(async () => { receivedWhenObserved = received; await Task.CompletedTask; });
            });
        }, new LoopOptions { Clock = AutoClock(), CooperativeBudget = Budget });
        Assert.InRange(sentWhenObserved, 1, Budget);
        Assert.InRange(receivedWhenObserved, 1, Budget);
    }
}
