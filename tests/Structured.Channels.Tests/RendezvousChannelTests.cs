namespace ChannelsTests;

/// <summary>A rendezvous channel (capacity 0): the shared contract, and what only a rendezvous does.</summary>
public sealed class RendezvousChannelTests : BoundedChannelContractTests
{
    protected override int Capacity => 0;

    [Fact]
    public void A_send_completes_only_once_a_receiver_has_taken_the_item()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            bool sent = false;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => { await s.SendAsync(1); sent = true; });
                await Settle();
                Assert.False(sent);
                Assert.Equal(1, s.Statistics.TasksWaitingSend);
                Assert.Equal(0, s.Statistics.BufferUsed);
                Assert.Equal(1, await r.ReceiveAsync());
                await Settle();
                Assert.True(sent);
            });
        });
    }

    [Fact]
    public void TrySend_succeeds_only_into_a_waiting_receiver_and_TryReceive_only_from_a_waiting_sender()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            Assert.False(s.TrySend(1));
            Assert.False(r.TryReceive(out _));
            int got = 0;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => got = await r.ReceiveAsync());
                await Settle();
                Assert.True(s.TrySend(2));
                Assert.False(s.TrySend(3));
            });
            Assert.Equal(2, got);
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await s.SendAsync(4));
                await Settle();
                Assert.True(r.TryReceive(out var item));
                Assert.Equal(4, item);
                Assert.False(r.TryReceive(out _));
            });
        });
    }

    [Fact]
    public void Ping_pong_between_two_tasks_hands_every_item_over()
    {
        Run(async () =>
        {
            var (pingSend, pingReceive) = MemoryChannel.Create<int>(0);
            var (pongSend, pongReceive) = MemoryChannel.Create<int>(0);
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    await foreach (var x in pingReceive)
                        await pongSend.SendAsync(x + 1);
                    pongSend.Close();
                });
                for (int i = 0; i < 1000; i += 2)
                {
                    await pingSend.SendAsync(i);
                    Assert.Equal(i + 1, await pongReceive.ReceiveAsync());
                }
                pingSend.Close();
                Assert.IsType<EndOfChannelException>(await Catch(async () => await pongReceive.ReceiveAsync()));
            });
        });
    }
}
