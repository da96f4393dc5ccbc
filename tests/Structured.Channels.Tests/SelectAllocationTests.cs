namespace ChannelsTests;

/// <summary>A select built once and run many times allocates nothing per run once warm, on the loop, blocking or not.</summary>
public sealed class SelectAllocationTests
{
    const int Warmup = 3000, Measured = 30_000;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Ping_pong_through_selects_allocates_nothing_per_round_trip(int capacity)
    {
        long allocated = -1;
        Run(async () =>
        {
            var (aSend, aReceive) = MemoryChannel.Create<int>(capacity);
            var (bSend, bReceive) = MemoryChannel.Create<int>(capacity);
            var (_, idle) = MemoryChannel.Create<int>(0);
            long before = 0;
            await Nursery.RunAsync(n =>
            {
                n.StartSoon(async () =>
                {
                    var receive = Select.Receive(bReceive, v => v).Receive(idle, v => v);
                    for (int i = 0; i < Warmup + Measured; i++)
                    {
                        if (i == Warmup)
                            before = GC.GetAllocatedBytesForCurrentThread();
                        await aSend.SendAsync(i);
                        await receive.RunAsync();
                    }
                    allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                });
                n.StartSoon(async () =>
                {
                    var receive = Select.Receive(aReceive, v => v).Receive(idle, v => v);
                    for (int i = 0; i < Warmup + Measured; i++)
                        await bSend.SendAsync(await receive.RunAsync());
                });
                return Task.CompletedTask;
            });
        });
        Assert.InRange(allocated, 0, 4096);
    }

    [Fact]
    public void A_select_that_finds_an_item_ready_allocates_nothing()
    {
        long allocated = -1;
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(16);
            var (_, idle) = MemoryChannel.Create<int>(0);
            var receive = Select.Receive(r, v => v).Receive(idle, v => v);
            for (int i = 0; i < Warmup; i++)
            {
                await s.SendAsync(i);
                await receive.RunAsync();
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Measured; i++)
            {
                await s.SendAsync(i);
                await receive.RunAsync();
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.InRange(allocated, 0, 1024);
    }
}
