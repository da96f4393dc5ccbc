namespace ChannelsTests;

/// <summary>
/// The hand-off race that only real threads produce, made deterministic on the loop: a cancellation has woken a
/// blocked task but has not yet taken it out of the wait queue when a hand-off reaches it. The hand-off must fail
/// (the cancelled task takes or gives nothing) and go to the next waiter, or the buffer.
/// </summary>
public sealed class HandOffRaceTests
{
    static MemoryChannelCore<int> Core(ReceiveChannel<int> receive) => ((MemoryReceiveChannel<int>)receive).Core;

    [Fact]
    public void A_send_skips_a_receiver_that_a_cancellation_already_won_and_serves_the_next()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            Exception? first = null;
            int second = 0;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => first = await Catch(async () => await r.ReceiveAsync()));
                await Settle();
                n.StartSoon(async () => second = await r.ReceiveAsync());
                await Settle();
                var abort = Core(r).WakeFirstWaiterLikeARacingCancellation(sender: false, new OperationCanceledException("racing"));
                // The woken receiver is still queued: the send meets it first.
                Assert.Equal(2, r.Statistics.TasksWaitingReceive);
                Assert.True(s.TrySend(5));
                abort();
            });
            Assert.IsType<OperationCanceledException>(first);
            Assert.Equal(5, second);
            Assert.Equal(0, r.Statistics.TasksWaitingReceive);
        });
    }

    [Fact]
    public void A_send_buffers_the_item_when_the_only_receiver_was_won_by_a_cancellation()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(2);
            Exception? first = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => first = await Catch(async () => await r.ReceiveAsync()));
                await Settle();
                var abort = Core(r).WakeFirstWaiterLikeARacingCancellation(sender: false, new OperationCanceledException("racing"));
                await s.SendAsync(8);
                abort();
            });
            Assert.IsType<OperationCanceledException>(first);
            Assert.True(r.TryReceive(out var item));
            Assert.Equal(8, item);
        });
    }

    [Fact]
    public void A_receive_skips_a_rendezvous_sender_that_a_cancellation_already_won()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            Exception? first = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => first = await Catch(async () => await s.SendAsync(1)));
                await Settle();
                n.StartSoon(async () => await s.SendAsync(2));
                await Settle();
                Core(r).WakeFirstWaiterLikeARacingCancellation(sender: true, new OperationCanceledException("racing"));
                Assert.Equal(2, await r.ReceiveAsync());
            });
            Assert.IsType<OperationCanceledException>(first);
            Assert.False(r.TryReceive(out _));
            Assert.Equal(0, r.Statistics.TasksWaitingSend);
        });
    }

    [Fact]
    public void A_freed_buffer_slot_skips_a_waiting_sender_that_a_cancellation_already_won()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(1);
            Assert.True(s.TrySend(0));
            Exception? first = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => first = await Catch(async () => await s.SendAsync(1)));
                await Settle();
                n.StartSoon(async () => await s.SendAsync(2));
                await Settle();
                Core(r).WakeFirstWaiterLikeARacingCancellation(sender: true, new OperationCanceledException("racing"));
                Assert.True(r.TryReceive(out var head));
                Assert.Equal(0, head);
                Assert.Equal(1, r.Statistics.BufferUsed);
                Assert.Equal(2, await r.ReceiveAsync());
            });
            Assert.IsType<OperationCanceledException>(first);
            Assert.False(r.TryReceive(out _));
        });
    }

    [Fact]
    public void A_late_abort_does_not_remove_the_next_wait_of_the_same_task()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            int attempts = 0, got = 0;
            Action? abort = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    while (true)
                    {
                        attempts++;
                        try
                        {
                            got = await r.ReceiveAsync();
                            return;
                        }
                        catch (OperationCanceledException)
                        {
                            // Block again at once, reusing the pooled waiter and the task's parker.
                        }
                    }
                });
                await Settle();
                abort = Core(r).WakeFirstWaiterLikeARacingCancellation(sender: false, new OperationCanceledException("racing"));
                await Settle();
                Assert.Equal(2, attempts);
                Assert.Equal(1, r.Statistics.TasksWaitingReceive);
                // The cancellation's abort comes late, after the task resumed and blocked again.
                abort();
                Assert.Equal(1, r.Statistics.TasksWaitingReceive);
                await s.SendAsync(6);
            });
            Assert.Equal(6, got);
        });
    }
}
