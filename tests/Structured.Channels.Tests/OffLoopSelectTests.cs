namespace ChannelsTests;

/// <summary>
/// Selects on the thread pool: real threads race hand-offs from several channels to one select (the claim),
/// selects against selects, cancellations and closes. Bounded, everything joined, no timing assertions.
/// </summary>
[Collection("OffLoopChannels")]
public sealed class OffLoopSelectTests
{
    [Fact]
    public void Racing_senders_on_two_channels_each_hand_every_item_to_exactly_one_select()
    {
        const int PerProducer = 20_000;
        var seen = new int[2 * PerProducer];
        OffLoop(async () =>
        {
            var (sa, ra) = MemoryChannel.Create<int>(0);
            var (sb, rb) = MemoryChannel.Create<int>(0);
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < PerProducer; i++)
                        await sa.SendAsync(i);
                    sa.Close();
                });
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < PerProducer; i++)
                        await sb.SendAsync(PerProducer + i);
                    sb.Close();
                });
                for (int c = 0; c < 2; c++)
                {
                    var a = ra.Clone();
                    var b = rb.Clone();
                    n.StartSoon(async () =>
                    {
                        bool aOpen = true, bOpen = true;
                        while (aOpen || bOpen)
                        {
                            var select = new Select<int>();
                            if (aOpen)
                                select.Receive(a, x => x, () => -1);
                            if (bOpen)
                                select.Receive(b, x => x, () => -2);
                            int got = await select.RunAsync();
                            if (got == -1)
                                aOpen = false;
                            else if (got == -2)
                                bOpen = false;
                            else
                                Interlocked.Increment(ref seen[got]);
                        }
                        a.Close();
                        b.Close();
                    });
                }
                ra.Close();
                rb.Close();
            });
        });
        Assert.All(seen, count => Assert.Equal(1, count));
    }

    [Fact]
    public void Selects_sending_meet_selects_receiving_and_no_item_is_lost_or_duplicated()
    {
        const int Producers = 2, PerProducer = 10_000;
        var seen = new int[Producers * PerProducer];
        long received = 0;
        OffLoop(async () =>
        {
            var (sa, ra) = MemoryChannel.Create<int>(0);
            var (sb, rb) = MemoryChannel.Create<int>(2);
            await Nursery.RunAsync(async n =>
            {
                for (int p = 0; p < Producers; p++)
                {
                    var a = sa.Clone();
                    var b = sb.Clone();
                    int basis = p * PerProducer;
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < PerProducer; i++)
                            await Select.Send(a, basis + i, () => 0).Send(b, basis + i, () => 1).RunAsync();
                        a.Close();
                        b.Close();
                    });
                }
                sa.Close();
                sb.Close();
                for (int c = 0; c < 2; c++)
                {
                    var a = ra.Clone();
                    var b = rb.Clone();
                    n.StartSoon(async () =>
                    {
                        int ended = 0;
                        while (ended < 2)
                        {
                            ended = 0;
                            int got = await Select.Receive(a, x => x, () => -1).Receive(b, x => x, () => -1).RunAsync();
                            if (got >= 0)
                            {
                                Interlocked.Increment(ref seen[got]);
                                Interlocked.Increment(ref received);
                            }
                            else
                            {
                                // One ended: drain the other with plain receives.
                                await foreach (var x in a)
                                {
                                    Interlocked.Increment(ref seen[x]);
                                    Interlocked.Increment(ref received);
                                }
                                await foreach (var x in b)
                                {
                                    Interlocked.Increment(ref seen[x]);
                                    Interlocked.Increment(ref received);
                                }
                                ended = 2;
                            }
                        }
                        a.Close();
                        b.Close();
                    });
                }
                ra.Close();
                rb.Close();
            });
        });
        Assert.Equal(Producers * PerProducer, Interlocked.Read(ref received));
        Assert.All(seen, count => Assert.Equal(1, count));
    }

    [Fact]
    public void Under_random_cancellations_off_the_loop_every_item_a_select_sent_is_received_or_handed_over_exactly_once()
    {
        for (int seed = 0; seed < 25; seed++)
        {
            var scenario = new SelectChaosScenario(seed);
            OffLoop(scenario.RunAsync);
            scenario.Check();
        }
    }
}
