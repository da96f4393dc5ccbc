using System.Threading.Channels;
namespace ChannelsTests;

/// <summary>
/// No allocation per item once warm, on the loop: the ring buffer, the pooled waiters, the parkers and the pooled
/// yield of the cooperative budget. Every task of a loop runs on its thread, so the thread's allocation counter
/// sees them all.
/// </summary>
/// <remarks>
/// Each test measures three windows of <see cref="Measured"/> items and takes the least: a one-off allocation on the
/// loop thread (tiered JIT compiling a hot loop on this thread, later on a busy machine) can land in any one window,
/// while a per-item allocation lands in every window.
/// </remarks>
public sealed class AllocationTests
{
    const int Warmup = 3000, Measured = 30_000, Windows = 3, Total = Warmup + Windows * Measured;

    /// <summary>The bytes this thread allocated in the least of the windows, marked by the item index.</summary>
    sealed class WindowMeter
    {
        long _start;
        long _least = -1;

        /// <summary>Call with every index before its item, and once with <see cref="Total"/> after the last.</summary>
        internal void Mark(int index)
        {
            if (index < Warmup || (index - Warmup) % Measured != 0)
                return;
            long now = GC.GetAllocatedBytesForCurrentThread();
            if (index > Warmup)
                _least = _least < 0 ? now - _start : Math.Min(_least, now - _start);
            _start = now;
        }

        internal long Least => _least;
    }

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
            var meter = new WindowMeter();
            for (int i = Warmup; i < Total; i++)
            {
                meter.Mark(i);
                await s.SendAsync(i);
                await r.ReceiveAsync();
            }
            meter.Mark(Total);
            allocated = meter.Least;
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
            var meter = new WindowMeter();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < Total; i++)
                    {
                        meter.Mark(i);
                        await s.SendAsync(i);
                    }
                    meter.Mark(Total);
                    allocated = meter.Least;
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
            var meter = new WindowMeter();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < Total; i++)
                    {
                        meter.Mark(i);
                        await writer.WriteAsync(i);
                    }
                    meter.Mark(Total);
                    allocated = meter.Least;
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
