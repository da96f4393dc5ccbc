namespace ChannelsTests;

/// <summary>
/// The contract every memory channel meets, whatever its capacity: run for a rendezvous channel, a buffered one and
/// an unbounded one by the subclasses below (after System.Threading.Channels' ChannelTestBase).
/// </summary>
public abstract class ChannelContractTests
{
    /// <summary>The capacity given to MemoryChannel.Create.</summary>
    protected abstract int Capacity { get; }

    private protected (SendChannel<T> Send, ReceiveChannel<T> Receive) Create<T>() => MemoryChannel.Create<T>(Capacity);

    /// <summary>Fills the buffer so that the next send blocks (no-op for a rendezvous channel).</summary>
    private protected void Fill(SendChannel<int> send)
    {
        for (int i = 0; i < Capacity; i++)
            Assert.True(send.TrySend(-1 - i));
        Assert.False(send.TrySend(-1000));
    }

    /// <summary>Puts item 7 where the next receive takes it: in the buffer, or in a sender blocked on a rendezvous channel.</summary>
    async Task MakeReadyAsync(Nursery n, SendChannel<int> send, int item = 7)
    {
        if (Capacity > 0)
            Assert.True(send.TrySend(item));
        else
            n.StartSoon(async () => await send.SendAsync(item));
        await Settle();
    }

    [Fact]
    public void Items_arrive_in_send_order_from_one_producer_to_one_consumer()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            var got = new List<int>();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < 300; i++)
                        await s.SendAsync(i);
                    s.Close();
                });
                await foreach (var x in r)
                    got.Add(x);
            });
            Assert.Equal(Enumerable.Range(0, 300), got);
        });
    }

    [Fact]
    public void Closing_the_last_send_end_lets_receivers_drain_and_then_ends_the_stream_for_good()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            var got = new List<int>();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    await using (s)
                    {
                        for (int i = 0; i < 3; i++)
                            await s.SendAsync(i);
                    }
                });
                for (int i = 0; i < 3; i++)
                    got.Add(await r.ReceiveAsync());
            });
            Assert.Equal([0, 1, 2], got);
            Assert.IsType<EndOfChannelException>(await Catch(async () => await r.ReceiveAsync()));
            Assert.IsType<EndOfChannelException>(await Catch(async () => await r.ReceiveAsync()));
            Assert.False(r.TryReceive(out _));
            await foreach (var _ in r)
                Assert.Fail("an ended channel yields nothing");
        });
    }

    [Fact]
    public void A_closed_send_end_refuses_every_use_with_ClosedResourceException_and_Close_is_idempotent()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            s.Close();
            Assert.True(s.IsClosed);
            Assert.IsType<ClosedResourceException>(await Catch(async () => await s.SendAsync(1)));
            Assert.IsType<ClosedResourceException>(CatchSync(() => s.TrySend(1)));
            Assert.IsType<ClosedResourceException>(CatchSync(() => s.Clone()));
            s.Close();
            await s.DisposeAsync();
            Assert.Equal(0, s.Statistics.OpenSendChannels);
            Assert.IsType<EndOfChannelException>(await Catch(async () => await r.ReceiveAsync()));
        });
    }

    [Fact]
    public void A_closed_receive_end_refuses_every_use_with_ClosedResourceException_and_Close_is_idempotent()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            await r.DisposeAsync();
            Assert.True(r.IsClosed);
            Assert.IsType<ClosedResourceException>(await Catch(async () => await r.ReceiveAsync()));
            Assert.IsType<ClosedResourceException>(CatchSync(() => r.TryReceive(out _)));
            Assert.IsType<ClosedResourceException>(CatchSync(() => r.Clone()));
            Assert.IsType<ClosedResourceException>(await Catch(async () => { await foreach (var _ in r) { } }));
            r.Close();
            Assert.Equal(0, s.Statistics.OpenReceiveChannels);
        });
    }

    [Fact]
    public void Closing_the_last_receive_end_breaks_every_later_send_and_TrySend_reports_false()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            if (Capacity > 0)
                Assert.True(s.TrySend(1));
            r.Close();
            Assert.Equal(0, s.Statistics.BufferUsed);
            Assert.IsType<BrokenResourceException>(await Catch(async () => await s.SendAsync(2)));
            Assert.IsType<BrokenResourceException>(await Catch(async () => await s.SendAsync(3)));
            Assert.False(s.TrySend(4));
            // The send end itself is still open: closing it is fine.
            s.Close();
            Assert.IsType<ClosedResourceException>(await Catch(async () => await s.SendAsync(5)));
        });
    }

    [Fact]
    public void Closing_the_last_send_end_wakes_the_receivers_blocked_on_every_clone_with_the_end()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            var r2 = r.Clone();
            Exception? e1 = null, e2 = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => e1 = await Catch(async () => await r.ReceiveAsync()));
                n.StartSoon(async () => e2 = await Catch(async () => await r2.ReceiveAsync()));
                await Settle();
                Assert.Equal(2, s.Statistics.TasksWaitingReceive);
                s.Close();
            });
            Assert.IsType<EndOfChannelException>(e1);
            Assert.IsType<EndOfChannelException>(e2);
        });
    }

    [Fact]
    public void Closing_a_receive_clone_wakes_only_the_receivers_blocked_on_it_with_ClosedResourceException()
    {
        Run(async () =>
        {
            var (s, r1) = Create<int>();
            var r2 = r1.Clone();
            Exception? e1 = null;
            int got = 0;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => e1 = await Catch(async () => await r1.ReceiveAsync()));
                await Settle();
                n.StartSoon(async () => got = await r2.ReceiveAsync());
                await Settle();
                r1.Close();
                await Settle();
                Assert.IsType<ClosedResourceException>(e1);
                await s.SendAsync(5);
            });
            Assert.Equal(5, got);
        });
    }

    [Fact]
    public void Closing_one_clone_leaves_the_other_clones_working_and_the_stream_ends_with_the_last()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            var s2 = s.Clone();
            var r2 = r.Clone();
            s.Close();
            r.Close();
            Assert.Equal(1, s2.Statistics.OpenSendChannels);
            Assert.Equal(1, s2.Statistics.OpenReceiveChannels);
            var got = new List<int>();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    await s2.SendAsync(1);
                    var s3 = s2.Clone();
                    s2.Close();
                    await s3.SendAsync(2);
                    s3.Close();
                });
                await foreach (var x in r2)
                    got.Add(x);
            });
            Assert.Equal([1, 2], got);
        });
    }

    [Fact]
    public void A_receive_in_a_cancelled_scope_throws_Cancelled_and_takes_nothing_even_with_an_item_ready()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            await Nursery.RunAsync(async n =>
            {
                await MakeReadyAsync(n, s);
                var error = await InCancelledScope(async () => await r.ReceiveAsync());
                Assert.IsType<Cancelled>(error);
                Assert.True(r.TryReceive(out var item));
                Assert.Equal(7, item);
            });
        });
    }

    [Fact]
    public void A_send_in_a_cancelled_scope_throws_Cancelled_and_delivers_nothing_even_to_a_waiting_receiver()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            int got = 0;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => got = await r.ReceiveAsync());
                await Settle();
                var error = await InCancelledScope(async () => await s.SendAsync(1));
                Assert.IsType<Cancelled>(error);
                await Settle();
                Assert.Equal(0, got);
                await s.SendAsync(2);
            });
            Assert.Equal(2, got);
        });
    }

    [Fact]
    public void A_blocked_receive_cancelled_by_its_scope_takes_nothing_and_the_next_receiver_gets_the_item()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            var scope = new CancelScope();
            Exception? cancelled = null;
            int second = 0;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await scope.RunAsync(async () => cancelled = await Catch(async () => await r.ReceiveAsync())));
                await Settle();
                n.StartSoon(async () => second = await r.ReceiveAsync());
                await Settle();
                Assert.Equal(2, r.Statistics.TasksWaitingReceive);
                scope.Cancel();
                // Cancel is synchronous on the loop: the waiter is gone before it returns.
                Assert.Equal(1, r.Statistics.TasksWaitingReceive);
                await s.SendAsync(9);
            });
            Assert.IsType<Cancelled>(cancelled);
            Assert.Equal(9, second);
        });
    }

    [Fact]
    public void A_blocked_receive_obeys_a_deadline_and_leaves_no_ghost_waiter()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            var start = Time.Now;
            var scope = CancelScope.MoveOnAfter(S(5));
            await scope.RunAsync(async () => await r.ReceiveAsync());
            Assert.True(scope.CancelledCaught);
            Assert.Equal(start + S(5), Time.Now);
            Assert.Equal(0, r.Statistics.TasksWaitingReceive);
            if (Capacity > 0)
            {
                await s.SendAsync(3);
                Assert.True(r.TryReceive(out var item));
                Assert.Equal(3, item);
            }
            else
            {
                Assert.False(s.TrySend(3));
            }
        });
    }

    [Fact]
    public void An_explicit_token_cancels_a_blocked_receive_with_OperationCanceledException_and_takes_nothing()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            using var source = new CancellationTokenSource();
            Exception? error = null;
            int second = 0;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => error = await Catch(async () => await r.ReceiveAsync(source.Token)));
                await Settle();
                n.StartSoon(async () => second = await r.ReceiveAsync());
                await Settle();
                await source.CancelAsync();
                await Settle();
                Assert.Equal(1, r.Statistics.TasksWaitingReceive);
                await s.SendAsync(4);
            });
            var oce = Assert.IsType<OperationCanceledException>(error);
            Assert.Equal(source.Token, oce.CancellationToken);
            Assert.Equal(4, second);
        });
    }

    [Fact]
    public void A_cancelled_token_makes_send_and_receive_throw_before_doing_anything()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            using var source = new CancellationTokenSource();
            source.Cancel();
            await Nursery.RunAsync(async n =>
            {
                await MakeReadyAsync(n, s, 1);
                Assert.IsType<OperationCanceledException>(await Catch(async () => await r.ReceiveAsync(source.Token)));
                Assert.IsType<OperationCanceledException>(await Catch(async () => await s.SendAsync(2, source.Token)));
                Assert.Equal(1, await r.ReceiveAsync());
                Assert.False(r.TryReceive(out _));
            });
        });
    }

    [Fact]
    public void Blocked_receivers_are_served_first_come_first_served()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            var order = new List<(int Receiver, int Item)>();
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 5; i++)
                {
                    int me = i;
                    n.StartSoon(async () => order.Add((me, await r.ReceiveAsync())));
                    await Settle();
                }
                for (int i = 0; i < 5; i++)
                    await s.SendAsync(i * 10);
            });
            Assert.Equal(Enumerable.Range(0, 5).Select(i => (i, i * 10)), order.OrderBy(x => x.Receiver));
        });
    }

    [Fact]
    public void Statistics_report_capacity_open_ends_and_waiting_tasks()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            var st = s.Statistics;
            Assert.Equal(new ChannelStatistics { Capacity = Capacity, OpenSendChannels = 1, OpenReceiveChannels = 1 }, st);
            Assert.Equal(st, r.Statistics);
            var s2 = s.Clone();
            var r2 = r.Clone();
            Assert.Equal(2, r.Statistics.OpenSendChannels);
            Assert.Equal(2, s.Statistics.OpenReceiveChannels);
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await r.ReceiveAsync());
                n.StartSoon(async () => await r2.ReceiveAsync());
                await Settle();
                Assert.Equal(2, s.Statistics.TasksWaitingReceive);
                Assert.Equal(0, s.Statistics.TasksWaitingSend);
                Assert.True(s.TrySend(1));
                Assert.True(s2.TrySend(2));
                Assert.Equal(0, s.Statistics.TasksWaitingReceive);
                Assert.Equal(0, s.Statistics.BufferUsed);
            });
            s2.Close();
            r2.Close();
            Assert.Equal(1, s.Statistics.OpenSendChannels);
            Assert.Equal(1, s.Statistics.OpenReceiveChannels);
        });
    }

    [Fact]
    public void Null_is_an_ordinary_item()
    {
        Run(async () =>
        {
            var (s, r) = Create<string?>();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    await s.SendAsync(null);
                    await s.SendAsync("x");
                    s.Close();
                });
                var got = new List<string?>();
                await foreach (var x in r)
                    got.Add(x);
                Assert.Equal([null, "x"], got);
            });
        });
    }

    [Fact]
    public void TryReceive_reports_false_on_an_ended_channel_and_TrySend_reports_false_with_no_receiver_left()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            s.Close();
            Assert.False(r.TryReceive(out _));
            var (s2, r2) = Create<int>();
            r2.Close();
            Assert.False(s2.TrySend(1));
            await Task.CompletedTask;
        });
    }

    [Fact]
    public void Close_works_inside_a_cancelled_scope_because_it_is_not_a_checkpoint()
    {
        Run(async () =>
        {
            var (s, r) = Create<int>();
            var error = await InCancelledScope(async () =>
            {
                s.Close();
                await r.DisposeAsync();
            });
            Assert.Null(error);
            Assert.True(s.IsClosed);
            Assert.True(r.IsClosed);
        });
    }

    [Fact]
    public void Many_producers_and_consumers_on_the_loop_move_every_item_exactly_once_in_order_per_producer()
    {
        Run(async () =>
        {
            var (send, receive) = Create<(int Producer, int Seq)>();
            var perConsumer = new List<(int, int)>[4];
            await Nursery.RunAsync(async n =>
            {
                for (int p = 0; p < 5; p++)
                {
                    var clone = send.Clone();
                    int me = p;
                    n.StartSoon(async () =>
                    {
                        await using (clone)
                            for (int i = 0; i < 200; i++)
                                await clone.SendAsync((me, i));
                    });
                }
                send.Close();
                for (int c = 0; c < 4; c++)
                {
                    var clone = receive.Clone();
                    var mine = perConsumer[c] = [];
                    n.StartSoon(async () =>
                    {
                        await using (clone)
                            await foreach (var x in clone)
                                mine.Add(x);
                    });
                }
                receive.Close();
            });
            var all = perConsumer.SelectMany(x => x).ToList();
            Assert.Equal(1000, all.Count);
            Assert.Equal(1000, all.Distinct().Count());
            foreach (var mine in perConsumer)
                foreach (var group in mine.GroupBy(x => x.Item1))
                    Assert.Equal(group.Select(x => x.Item2).Order(), group.Select(x => x.Item2));
        });
    }

    [Fact]
    public void Off_the_loop_producers_and_consumers_move_every_item_exactly_once()
    {
        const int Producers = 3, Consumers = 3, PerProducer = 20_000;
        var seen = new int[Producers * PerProducer];
        OffLoop(async () =>
        {
            var (send, receive) = Create<int>();
            await Nursery.RunAsync(async n =>
            {
                for (int p = 0; p < Producers; p++)
                {
                    var clone = send.Clone();
                    int basis = p * PerProducer;
                    n.StartSoon(async () =>
                    {
                        for (int i = 0; i < PerProducer; i++)
                            await clone.SendAsync(basis + i);
                        clone.Close();
                    });
                }
                send.Close();
                for (int c = 0; c < Consumers; c++)
                {
                    var clone = receive.Clone();
                    n.StartSoon(async () =>
                    {
                        var last = new int[Producers];
                        Array.Fill(last, -1);
                        await foreach (var x in clone)
                        {
                            Interlocked.Increment(ref seen[x]);
                            // In send order per producer, as seen by one consumer.
                            Assert.True(x % PerProducer > last[x / PerProducer]);
                            last[x / PerProducer] = x % PerProducer;
                        }
                        clone.Close();
                    });
                }
                receive.Close();
            });
        });
        Assert.All(seen, count => Assert.Equal(1, count));
    }
}
