namespace ChannelsTests;

/// <summary>A buffered channel (capacity 3): the shared contract, and what only a bounded buffer does.</summary>
public sealed class BufferedChannelTests : BoundedChannelContractTests
{
    protected override int Capacity => 3;

    [Fact]
    public void The_buffer_holds_exactly_its_capacity()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(3);
            for (int i = 0; i < 3; i++)
                await s.SendAsync(i);
            Assert.False(s.TrySend(3));
            Assert.Equal(3, s.Statistics.BufferUsed);
            Assert.Equal(3, s.Statistics.Capacity);
            Assert.Equal(0, await r.ReceiveAsync());
            Assert.True(s.TrySend(3));
            Assert.False(s.TrySend(4));
        });
    }

    [Fact]
    public void A_freed_slot_goes_to_the_longest_waiting_sender_not_a_newcomer()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(1);
            Assert.True(s.TrySend(1));
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await s.SendAsync(2));
                await Settle();
                Assert.True(r.TryReceive(out var first));
                Assert.Equal(1, first);
                // The waiting sender's item moved into the buffer at once.
                Assert.Equal(1, s.Statistics.BufferUsed);
                Assert.Equal(0, s.Statistics.TasksWaitingSend);
                Assert.False(s.TrySend(3));
                Assert.Equal(2, await r.ReceiveAsync());
            });
        });
    }

    [Fact]
    public void A_freed_slot_skips_a_waiting_sender_whose_send_was_cancelled()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(1);
            Assert.True(s.TrySend(1));
            var scope = new CancelScope();
            Exception? cancelled = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await scope.RunAsync(async () => cancelled = await Catch(async () => await s.SendAsync(2))));
                await Settle();
                n.StartSoon(async () => await s.SendAsync(3));
                await Settle();
                scope.Cancel();
                Assert.Equal(1, await r.ReceiveAsync());
                Assert.Equal(3, await r.ReceiveAsync());
            });
            Assert.IsType<Cancelled>(cancelled);
            Assert.False(r.TryReceive(out _));
        });
    }

    [Fact]
    public void Closing_the_last_receive_end_drops_the_buffered_items()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<string>(3);
            Assert.True(s.TrySend("a"));
            Assert.True(s.TrySend("b"));
            var r2 = r.Clone();
            r.Close();
            Assert.Equal(2, s.Statistics.BufferUsed);
            r2.Close();
            Assert.Equal(0, s.Statistics.BufferUsed);
            await Task.CompletedTask;
        });
    }

    [Fact]
    public void A_large_capacity_costs_nothing_up_front_and_the_ring_wraps_around()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(1_000_000_000);
            int next = 0, expected = 0;
            for (int round = 0; round < 50; round++)
            {
                for (int i = 0; i < 7; i++)
                    Assert.True(s.TrySend(next++));
                for (int i = 0; i < 5; i++)
                {
                    Assert.True(r.TryReceive(out var x));
                    Assert.Equal(expected++, x);
                }
            }
            while (r.TryReceive(out var x))
                Assert.Equal(expected++, x);
            Assert.Equal(next, expected);
            await Task.CompletedTask;
        });
    }
}
