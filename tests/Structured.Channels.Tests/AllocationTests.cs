using System.Threading.Channels;
namespace ChannelsTests;

/// <summary>
/// No allocation per item once warm, on the loop: the ring buffer, the pooled waiters, the parkers and the pooled
/// yield of the cooperative budget. Every task of a loop runs on its thread, so the thread's allocation counter
/// sees them all.
/// </summary>
public sealed class AllocationTests
{
    const int Warmup = 3000, Measured = 30_000;

    [Theory]
    [InlineData(16)]
    [InlineData(MemoryChannel.Unbounded)]
    public void Sending_and_receiving_without_blocking_allocates_nothing_per_item(int capacity)
    {
        long allocated = -1;
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(capacity);
            for (int i = 0; i < Warmup; i++)
            {
                await s.SendAsync(i);
                await r.ReceiveAsync();
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Measured; i++)
            {
                await s.SendAsync(i);
                await r.ReceiveAsync();
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.InRange(allocated, 0, 1024);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    public void A_producer_and_a_consumer_that_block_each_other_allocate_nothing_per_item(int capacity)
    {
        long allocated = -1;
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(capacity);
            long before = 0;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < Warmup + Measured; i++)
                    {
                        if (i == Warmup)
                            before = GC.GetAllocatedBytesForCurrentThread();
                        await s.SendAsync(i);
                    }
                    allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    s.Close();
                });
                n.StartSoon(async () =>
                {
                    while (true)
                    {
                        try
                        {
                            await r.ReceiveAsync();
                        }
                        catch (EndOfChannelException)
                        {
                            return;
                        }
                    }
                });
            });
            Assert.True(s.Statistics.BufferUsed == 0);
        });
        Assert.InRange(allocated, 0, 1024);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    public void A_producer_and_a_consumer_that_block_each_other_through_the_views_allocate_nothing_per_item(int capacity)
    {
        long allocated = -1;
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(capacity);
            var writer = s.AsWriter();
            var reader = r.AsReader();
            long before = 0;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < Warmup + Measured; i++)
                    {
                        if (i == Warmup)
                            before = GC.GetAllocatedBytesForCurrentThread();
                        await writer.WriteAsync(i);
                    }
                    allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    writer.Complete();
                });
                n.StartSoon(async () =>
                {
                    try
                    {
                        while (true)
                            await reader.ReadAsync();
                    }
                    catch (ChannelClosedException)
                    {
                    }
                });
            });
        });
        Assert.InRange(allocated, 0, 1024);
    }
}
