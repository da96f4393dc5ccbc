namespace ChannelsTests;

/// <summary>Select over memory channels: exactly one branch, fairness, ends, closes, timeouts and cancellation.</summary>
public sealed class SelectTests
{
    [Fact]
    public void A_ready_receive_branch_completes_at_once_and_the_other_channel_keeps_its_item()
    {
        Run(async () =>
        {
            var (sa, ra) = MemoryChannel.Create<int>(4);
            var (sb, rb) = MemoryChannel.Create<string>(4);
            await sb.SendAsync("b");
            string got = await Select.Receive(ra, x => $"a{x}").Receive(rb, y => y).RunAsync();
            Assert.Equal("b", got);
            Assert.Equal(0, rb.Statistics.BufferUsed);
            await sa.SendAsync(1);
            Assert.Equal("a1", await Select.Receive(ra, x => $"a{x}").Receive(rb, y => y).RunAsync());
        });
    }

    [Fact]
    public void A_blocked_select_takes_from_whichever_channel_gets_an_item_first_and_leaves_the_other_untouched()
    {
        Run(async () =>
        {
            var (sa, ra) = MemoryChannel.Create<int>(0);
            var (sb, rb) = MemoryChannel.Create<int>(0);
            string? got = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => got = await Select.Receive(ra, x => $"a{x}").Receive(rb, x => $"b{x}").RunAsync());
                await Settle();
                Assert.Equal(1, ra.Statistics.TasksWaitingReceive);
                Assert.Equal(1, rb.Statistics.TasksWaitingReceive);
                await sb.SendAsync(7);
                await Settle();
                // The losing branch left its queue: a send to a now gives nothing to the select.
                Assert.Equal(0, ra.Statistics.TasksWaitingReceive);
                Assert.False(sa.TrySend(1));
            });
            Assert.Equal("b7", got);
        });
    }

    [Fact]
    public void A_send_branch_delivers_to_the_first_channel_with_room_and_the_other_item_is_not_sent()
    {
        Run(async () =>
        {
            var (sa, ra) = MemoryChannel.Create<int>(0);
            var (sb, rb) = MemoryChannel.Create<int>(0);
            string? won = null;
            int received = -1;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => won = await Select.Send(sa, 1, () => "a").Send(sb, 2, () => "b").RunAsync());
                await Settle();
                Assert.Equal(1, ra.Statistics.TasksWaitingSend);
                received = await rb.ReceiveAsync();
                await Settle();
                Assert.Equal(0, ra.Statistics.TasksWaitingSend);
                Assert.False(ra.TryReceive(out _));
            });
            Assert.Equal("b", won);
            Assert.Equal(2, received);
        });
    }

    [Fact]
    public void Mixed_send_and_receive_branches_on_the_same_channel_complete_one_of_them()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(1);
            // Empty buffer: only the send can go.
            Assert.Equal("sent", await Select.Receive(r, x => $"got {x}").Send(s, 5, () => "sent").RunAsync());
            // Full buffer: only the receive can go.
            Assert.Equal("got 5", await Select.Receive(r, x => $"got {x}").Send(s, 6, () => "sent").RunAsync());
            Assert.Equal(0, s.Statistics.BufferUsed);
        });
    }

    [Fact]
    public void Two_selects_meet_on_a_rendezvous_channel()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            var (_, idle) = MemoryChannel.Create<int>(0);
            int got = 0;
            bool sent = false;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => got = await Select.Receive(r, x => x).Receive(idle, x => -x).RunAsync());
                await Settle();
                sent = await Select.Send(s, 42, () => true).Receive(idle, _ => false).RunAsync();
            });
            Assert.True(sent);
            Assert.Equal(42, got);
        });
    }

    [Fact]
    public void When_every_branch_is_always_ready_each_wins_in_turn()
    {
        Run(async () =>
        {
            var (sa, ra) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            var (sb, rb) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            var (sc, rc) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            for (int i = 0; i < 300; i++)
            {
                sa.TrySend(i);
                sb.TrySend(i);
                sc.TrySend(i);
            }
            var wins = new int[3];
            var select = Select.Receive(ra, _ => 0).Receive(rb, _ => 1).Receive(rc, _ => 2);
            for (int i = 0; i < 300; i++)
                wins[await select.RunAsync()]++;
            Assert.Equal([100, 100, 100], wins);
        });
    }

    [Fact]
    public void A_select_built_afresh_each_time_still_rotates()
    {
        Run(async () =>
        {
            var (sa, ra) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            var (sb, rb) = MemoryChannel.Create<int>(MemoryChannel.Unbounded);
            for (int i = 0; i < 100; i++)
            {
                sa.TrySend(i);
                sb.TrySend(i);
            }
            int a = 0;
            for (int i = 0; i < 100; i++)
                a += await Select.Receive(ra, _ => 1).Receive(rb, _ => 0).RunAsync();
            Assert.Equal(50, a);
        });
    }

    [Fact]
    public void An_ended_channel_completes_its_branch_with_onEnd_or_throws_EndOfChannelException()
    {
        Run(async () =>
        {
            var (sa, ra) = MemoryChannel.Create<int>(1);
            var (_, rb) = MemoryChannel.Create<int>(1);
            sa.Close();
            Assert.Equal("end", await Select.Receive(ra, x => "item", () => "end").Receive(rb, x => "b").RunAsync());
            await Assert.ThrowsAsync<EndOfChannelException>(async () => await Select.Receive(ra, x => "item").Receive(rb, x => "b").RunAsync());
        });
    }

    [Fact]
    public void A_channel_that_ends_while_the_select_waits_wakes_it_with_the_end()
    {
        Run(async () =>
        {
            var (sa, ra) = MemoryChannel.Create<int>(0);
            var (sb, rb) = MemoryChannel.Create<int>(0);
            string? got = null;
            Exception? error = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => got = await Select.Receive(ra, _ => "a", () => "a ended").Receive(rb, _ => "b").RunAsync());
                n.StartSoon(async () => error = await Catch(async () => await Select.Receive(rb, _ => "b").RunAsync()));
                await Settle();
                sa.Close();
                sb.Close();
            });
            Assert.Equal("a ended", got);
            Assert.IsType<EndOfChannelException>(error);
            Assert.Equal(0, rb.Statistics.TasksWaitingReceive);
        });
    }

    [Fact]
    public void A_branch_on_a_closed_end_throws_ClosedResourceException_and_a_broken_send_throws_BrokenResourceException()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(1);
            var (s2, r2) = MemoryChannel.Create<int>(1);
            var clone = r.Clone();
            r.Close();
            await Assert.ThrowsAsync<ClosedResourceException>(async () => await Select.Receive(r, x => x).RunAsync());
            r2.Close();
            await Assert.ThrowsAsync<BrokenResourceException>(async () => await Select.Send(s2, 1, () => 0).Receive(clone, x => x).RunAsync());
            Exception? error = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => error = await Catch(async () => await Select.Receive(clone, x => x).RunAsync()));
                await Settle();
                clone.Close();
            });
            Assert.IsType<ClosedResourceException>(error);
            _ = s;
        });
    }

    [Fact]
    public void A_send_branch_blocked_when_the_last_receiver_closes_throws_BrokenResourceException()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            Exception? error = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => error = await Catch(async () => await Select.Send(s, 1, () => 0).RunAsync()));
                await Settle();
                r.Close();
            });
            Assert.IsType<BrokenResourceException>(error);
        });
    }

    [Fact]
    public void A_cancelled_select_takes_nothing_and_sends_nothing()
    {
        Run(async () =>
        {
            var (sa, ra) = MemoryChannel.Create<int>(0);
            var (sb, rb) = MemoryChannel.Create<int>(0);
            var scope = new CancelScope();
            Exception? error = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await scope.RunAsync(async () =>
                    error = await Catch(async () => await Select.Receive(ra, x => x).Send(sb, 9, () => 0).RunAsync())));
                await Settle();
                scope.Cancel();
                await Settle();
                Assert.Equal(0, ra.Statistics.TasksWaitingReceive);
                Assert.Equal(0, rb.Statistics.TasksWaitingSend);
                Assert.False(sa.TrySend(1));
                Assert.False(rb.TryReceive(out _));
            });
            Assert.IsType<Cancelled>(error);
        });
    }

    [Fact]
    public void A_select_in_a_cancelled_scope_throws_even_when_a_branch_is_ready_and_takes_nothing()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(1);
            await s.SendAsync(1);
            var error = await InCancelledScope(async () => await Select.Receive(r, x => x).RunAsync());
            Assert.IsType<Cancelled>(error);
            Assert.Equal(1, r.Statistics.BufferUsed);
        });
    }

    [Fact]
    public void A_token_cancels_a_blocked_select()
    {
        Run(async () =>
        {
            var (_, r) = MemoryChannel.Create<int>(0);
            using var source = new CancellationTokenSource();
            Exception? error = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => error = await Catch(async () => await Select.Receive(r, x => x).RunAsync(source.Token)));
                await Settle();
                await source.CancelAsync();
            });
            Assert.IsAssignableFrom<OperationCanceledException>(error);
            Assert.Equal(0, r.Statistics.TasksWaitingReceive);
        });
    }

    [Fact]
    public void Timeout_returns_its_result_after_the_virtual_time_and_leaves_the_channels_untouched()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            var start = Time.Now;
            string got = await Select.Receive(r, x => "item").Timeout(S(2), () => "timeout").RunAsync();
            Assert.Equal("timeout", got);
            Assert.Equal(S(2), Time.Now - start);
            Assert.Equal(0, r.Statistics.TasksWaitingReceive);
            Assert.False(s.TrySend(1));
        });
    }

    [Fact]
    public void Timeout_does_not_fire_when_a_branch_wins_first()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            string? got = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => got = await Select.Receive(r, x => $"item {x}").Timeout(S(2), () => "timeout").RunAsync());
                await Time.SleepAsync(S(1));
                await s.SendAsync(3);
            });
            Assert.Equal("item 3", got);
        });
    }

    [Fact]
    public void OrElse_returns_at_once_when_nothing_is_ready_and_is_skipped_when_something_is()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(1);
            var select = Select.Receive(r, x => x).OrElse(() => -1);
            Assert.Equal(-1, await select.RunAsync());
            Assert.Equal(0, r.Statistics.TasksWaitingReceive);
            s.TrySend(4);
            Assert.Equal(4, await select.RunAsync());
        });
    }

    [Fact]
    public void A_select_can_be_run_again_after_it_blocked_and_completed()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            var select = Select.Receive(r, x => x);
            var got = new List<int>();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < 5; i++)
                        got.Add(await select.RunAsync());
                });
                for (int i = 0; i < 5; i++)
                    await s.SendAsync(i);
            });
            Assert.Equal([0, 1, 2, 3, 4], got);
        });
    }

    [Fact]
    public void Bad_use_throws_clear_errors()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            var wrapped = System.Threading.Channels.Channel.CreateUnbounded<int>();
            Assert.Throws<ArgumentNullException>(() => Select.Receive<int, int>(null!, x => x));
            Assert.Throws<ArgumentNullException>(() => Select.Receive<int, int>(r, null!));
            Assert.Throws<ArgumentNullException>(() => Select.Send<int, int>(s, 1, null!));
            var e = Assert.Throws<ArgumentException>(() => Select.Receive(wrapped.Reader.AsReceiveChannel(), x => x));
            Assert.Contains("MemoryChannel.Create", e.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => Select.Send(wrapped.Writer.AsSendChannel(), 1, () => 0));
            Assert.Throws<InvalidOperationException>(() => { _ = new Select<int>().RunAsync().AsTask(); });
            Assert.Throws<InvalidOperationException>(() => Select.Receive(r, x => x).OrElse(() => 0).Timeout(S(1), () => 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => Select.Receive(r, x => x).Timeout(S(-1), () => 0));
            var select = Select.Receive(r, x => x);
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await Catch(async () => await select.RunAsync()));
                await Settle();
                Assert.Throws<InvalidOperationException>(() => { _ = select.RunAsync().AsTask(); });
                Assert.Throws<InvalidOperationException>(() => select.Receive(r, x => x));
                n.CancelScope.Cancel();
            });
        });
    }

    [Fact]
    public void The_task_tree_shows_a_blocked_select()
    {
        Run(async () =>
        {
            var (_, r) = MemoryChannel.Create<int>(0);
            await Nursery.RunAsync(async n =>
            {
                TaskInfo? blocked = null;
                n.StartSoon(async () =>
                {
                    blocked = TaskInfo.Current;
                    await Select.Receive(r, x => x).RunAsync();
                });
                await Settle();
                Assert.Equal("Select.RunAsync", blocked!.WaitingOn);
                n.CancelScope.Cancel();
            });
        });
    }

    [Fact]
    public void A_handler_that_throws_makes_RunAsync_throw_after_its_item_was_taken()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(1);
            await s.SendAsync(1);
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Select.Receive<int, int>(r, _ => throw new InvalidOperationException("handler")).RunAsync());
            Assert.Equal(0, r.Statistics.BufferUsed);
        });
    }
}
