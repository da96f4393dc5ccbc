namespace ChannelsTests;

/// <summary>MemoryChannel.Create's onUndelivered callback: called exactly for accepted items that nobody will receive.</summary>
public sealed class UndeliveredItemTests
{
    [Fact]
    public void Closing_the_last_receive_end_hands_every_buffered_item_to_the_callback_in_order()
    {
        Run(async () =>
        {
            var undelivered = new List<int>();
            var (s, r) = MemoryChannel.Create<int>(10, undelivered.Add);
            var clone = r.Clone();
            for (int i = 0; i < 5; i++)
                await s.SendAsync(i);
            Assert.Equal(0, await r.ReceiveAsync());
            r.Close();
            Assert.Empty(undelivered);
            clone.Close();
            Assert.Equal([1, 2, 3, 4], undelivered);
            clone.Close();
            Assert.Equal(4, undelivered.Count);
        });
    }

    [Fact]
    public void Items_refused_are_not_handed_over_the_sender_keeps_them()
    {
        Run(async () =>
        {
            var undelivered = new List<int>();
            var (s, r) = MemoryChannel.Create<int>(1, undelivered.Add);
            await s.SendAsync(1);
            Exception? blocked = null;
            await Nursery.RunAsync(async n =>
            {
                // Blocked on a full buffer: woken by the close with BrokenResourceException, item not accepted.
                n.StartSoon(async () => blocked = await Catch(async () => await s.SendAsync(2)));
                await Settle();
                r.Close();
            });
            Assert.IsType<BrokenResourceException>(blocked);
            Assert.False(s.TrySend(3));
            await Assert.ThrowsAsync<BrokenResourceException>(async () => await s.SendAsync(4));
            Assert.Equal([1], undelivered);
        });
    }

    [Fact]
    public void A_cancelled_send_and_a_losing_select_branch_are_not_handed_over()
    {
        Run(async () =>
        {
            var undelivered = new List<int>();
            var (s, r) = MemoryChannel.Create<int>(0, undelivered.Add);
            var (s2, r2) = MemoryChannel.Create<int>(1);
            var scope = CancelScope.MoveOnAfter(S(1));
            await scope.RunAsync(async () => await s.SendAsync(1));
            Assert.True(scope.CancelledCaught);
            Assert.Equal("other", await Select.Send(s, 2, () => "s").Send(s2, 3, () => "other").RunAsync());
            r.Close();
            Assert.Empty(undelivered);
            _ = r2;
        });
    }

    [Fact]
    public void Items_buffered_when_every_sender_closed_are_still_received_not_handed_over()
    {
        Run(async () =>
        {
            var undelivered = new List<int>();
            var (s, r) = MemoryChannel.Create<int>(4, undelivered.Add);
            await s.SendAsync(1);
            await s.SendAsync(2);
            s.Close();
            Assert.Equal(1, await r.ReceiveAsync());
            r.Close();
            Assert.Equal([2], undelivered);
        });
    }

    [Fact]
    public void A_throwing_callback_still_gets_every_item_and_Close_rethrows_afterwards()
    {
        Run(async () =>
        {
            var seen = new List<int>();
            var (s, r) = MemoryChannel.Create<int>(4, x =>
            {
                seen.Add(x);
                if (x == 2)
                    throw new InvalidOperationException("leak 2");
            });
            for (int i = 1; i <= 3; i++)
                await s.SendAsync(i);
            var error = CatchSync(r.Close);
            Assert.Equal("leak 2", Assert.IsType<InvalidOperationException>(error).Message);
            Assert.Equal([1, 2, 3], seen);
            Assert.True(r.IsClosed);
            Assert.Equal(0, r.Statistics.BufferUsed);
            Assert.False(s.TrySend(4));

            var (s2, r2) = MemoryChannel.Create<int>(4, x => throw new InvalidOperationException($"leak {x}"));
            s2.TrySend(1);
            s2.TrySend(2);
            var many = Assert.IsType<AggregateException>(CatchSync(r2.Close));
            Assert.Equal(2, many.InnerExceptions.Count);
        });
    }

    [Fact]
    public void The_callback_runs_after_the_lock_is_released_and_may_use_the_channel()
    {
        Run(async () =>
        {
            SendChannel<int>? send = null;
            var refused = new List<bool>();
            var (s, r) = MemoryChannel.Create<int>(4, x => refused.Add(send!.TrySend(x)));
            send = s;
            await s.SendAsync(1);
            await r.DisposeAsync();
            Assert.Equal([false], refused);
        });
    }

    [Fact]
    public void A_null_callback_is_refused()
    {
        var e = Assert.Throws<ArgumentNullException>(() => MemoryChannel.Create<int>(1, null!));
        Assert.Equal("onUndelivered", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => MemoryChannel.Create<int>(-1, _ => { }));
    }
}
