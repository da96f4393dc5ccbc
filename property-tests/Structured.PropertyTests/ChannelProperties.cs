using FsCheck.Xunit;

namespace PropertyTests;

/// <summary>Memory channels lose nothing and duplicate nothing, whatever the schedule, cancellations and closes.</summary>
public class ChannelProperties
{
    static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    [Property(MaxTest = Budget.HeavyCases, Arbitrary = new[] { typeof(Schedules), typeof(Generators) })]
    public void Every_item_sent_is_received_exactly_once_in_order_per_sender(Schedule schedule, ChannelPlan plan)
    {
        var sent = new List<(int Sender, int Seq)>();
        var received = new List<(int Sender, int Seq)>();
        var perReceiver = new List<List<(int Sender, int Seq)>>();
        OnFreshThread(() => TestLoop.Run(async () =>
        {
            var (send, receive) = MemoryChannel.Create<(int Sender, int Seq)>(plan.Capacity);
            // Every end is cloned before any task runs, so the stream cannot end early.
            var sendEnds = plan.Senders.Select(_ => send.Clone()).ToArray();
            var receiveEnds = plan.Receivers.Select(_ => receive.Clone()).ToArray();
            send.Close();
            await Nursery.RunAsync(async n =>
            {
                for (int s = 0; s < plan.Senders.Length; s++)
                {
                    int id = s;
                    var me = plan.Senders[s];
                    var end = sendEnds[s];
                    n.StartSoon(async () =>
                    {
                        var scope = me.DeadlineMs is int d ? CancelScope.MoveOnAfter(Ms(d)) : new CancelScope();
                        try
                        {
                            await scope.RunAsync(async () =>
                            {
                                for (int seq = 0; seq < me.Items; seq++)
                                {
                                    if (me.PauseMs > 0)
                                        await Time.SleepAsync(Ms(me.PauseMs));
                                    if (me.UsesTrySend && end.TrySend((id, seq)))
                                    {
                                        sent.Add((id, seq));
                                        continue;
                                    }
                                    await end.SendAsync((id, seq));
                                    sent.Add((id, seq));
                                }
                            });
                        }
                        finally
                        {
                            end.Close();
                        }
                    }, $"sender-{s}");
                }
                for (int r = 0; r < plan.Receivers.Length; r++)
                {
                    var me = plan.Receivers[r];
                    var end = receiveEnds[r];
                    var mine = new List<(int, int)>();
                    perReceiver.Add(mine);
                    n.StartSoon(async () =>
                    {
                        var scope = me.DeadlineMs is int d ? CancelScope.MoveOnAfter(Ms(d)) : new CancelScope();
                        try
                        {
                            await scope.RunAsync(async () =>
                            {
                                while (me.CloseAfter is not int limit || mine.Count < limit)
                                {
                                    if (me.PauseMs > 0)
                                        await Time.SleepAsync(Ms(me.PauseMs));
                                    (int, int) item;
                                    try
                                    {
                                        item = await end.ReceiveAsync();
                                    }
                                    catch (EndOfChannelException)
                                    {
                                        return;
                                    }
                                    mine.Add(item);
                                    received.Add(item);
                                }
                            });
                        }
                        finally
                        {
                            end.Close();
                        }
                    }, $"receiver-{r}");
                }
                // The body is the last receiver: it never gives up, so senders never wait forever.
                var last = new List<(int, int)>();
                perReceiver.Add(last);
                while (true)
                {
                    (int, int) item;
                    try
                    {
                        item = await receive.ReceiveAsync();
                    }
                    catch (EndOfChannelException)
                    {
                        break;
                    }
                    last.Add(item);
                    received.Add(item);
                }
            });
            Assert.False(receive.TryReceive(out _));
        }, schedule));

        Assert.Equal(received.Count, received.Distinct().Count());
        Assert.Equal(sent.OrderBy(x => x).ToList(), received.OrderBy(x => x).ToList());
        foreach (var mine in perReceiver)
        {
            foreach (var bySender in mine.GroupBy(x => x.Sender))
            {
                var seqs = bySender.Select(x => x.Seq).ToList();
                Assert.Equal(seqs.OrderBy(x => x), seqs);
            }
        }
    }
}
