namespace ChannelsTests;

/// <summary>
/// The part of the contract about blocked senders, for every channel whose senders can block: rendezvous and buffered
/// (an unbounded channel never blocks a sender).
/// </summary>
public abstract class BoundedChannelContractTests : ChannelContractTests
{
    [Fact]
    public void Closing_the_last_receive_end_breaks_the_senders_blocked_on_every_clone()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            var s2 = s.Clone();
            Fill(s);
            Exception? e1 = null, e2 = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => e1 = await Catch(async () => await s.SendAsync(1)));
                n.StartSoon(async () => e2 = await Catch(async () => await s2.SendAsync(2)));
                await Settle();
                Assert.Equal(2, r.Statistics.TasksWaitingSend);
                r.Close();
            });
            Assert.IsType<BrokenResourceException>(e1);
            Assert.IsType<BrokenResourceException>(e2);
            Assert.Equal(0, s.Statistics.TasksWaitingSend);
        });
    }

    [Fact]
    public void Closing_a_send_clone_wakes_only_the_senders_blocked_on_it_with_ClosedResourceException()
    {
        Run(async () =>
        {
            var (s1, r) = Create<int>();
            var s2 = s1.Clone();
            Fill(s1);
            Exception? e1 = null;
            bool secondSent = false;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => e1 = await Catch(async () => await s1.SendAsync(100)));
                await Settle();
                n.StartSoon(async () => { await s2.SendAsync(200); secondSent = true; });
                await Settle();
                s1.Close();
                await Settle();
                Assert.IsType<ClosedResourceException>(e1);
                Assert.False(secondSent);
                var rest = new List<int>();
                for (int i = 0; i < Capacity + 1; i++)
                    rest.Add(await r.ReceiveAsync());
                Assert.DoesNotContain(100, rest);
                Assert.Equal(200, rest[^1]);
            });
            Assert.True(secondSent);
        });
    }

    [Fact]
    public void A_blocked_send_cancelled_by_its_scope_delivers_nothing()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            Fill(s);
            var scope = new CancelScope();
            Exception? cancelled = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await scope.RunAsync(async () => cancelled = await Catch(async () => await s.SendAsync(99))));
                await Settle();
                Assert.Equal(1, s.Statistics.TasksWaitingSend);
                scope.Cancel();
                Assert.Equal(0, s.Statistics.TasksWaitingSend);
            });
            Assert.IsType<Cancelled>(cancelled);
            s.Close();
            var rest = new List<int>();
            await foreach (var x in r)
                rest.Add(x);
            Assert.DoesNotContain(99, rest);
            Assert.Equal(Capacity, rest.Count);
        });
    }

    [Fact]
    public void Blocked_senders_are_served_first_come_first_served()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            Fill(s);
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 5; i++)
                {
                    int me = i;
                    n.StartSoon(async () => await s.SendAsync(100 + me));
                    await Settle();
                }
                var got = new List<int>();
                for (int i = 0; i < Capacity + 5; i++)
                    got.Add(await r.ReceiveAsync());
                Assert.Equal(Enumerable.Range(0, Capacity).Select(i => -1 - i).Concat(Enumerable.Range(100, 5)), got);
            });
        });
    }

}
