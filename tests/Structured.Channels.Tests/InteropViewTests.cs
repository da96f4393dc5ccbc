using System.Threading.Channels;

namespace ChannelsTests;

/// <summary>Our ends seen as System.Threading.Channels ends: <c>AsWriter()</c> and <c>AsReader()</c>.</summary>
public sealed class InteropViewTests
{
    [Fact]
    public void The_views_are_ChannelWriter_and_ChannelReader_and_one_object_per_end()
    {
        var (s, r) = MemoryChannel.Create<int>(4);
        Assert.Same(s.AsWriter(), s.AsWriter());
        Assert.Same(r.AsReader(), r.AsReader());
        Assert.True(r.AsReader().CanCount);
        Assert.True(r.AsReader().CanPeek);
    }

    [Fact]
    public void Writes_and_reads_go_through_the_channel_and_ReadAllAsync_ends_when_the_writer_completes()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(2);
            var writer = s.AsWriter();
            var reader = r.AsReader();
            var got = new List<int>();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < 20; i++)
                        await writer.WriteAsync(i);
                    Assert.True(writer.TryComplete());
                    Assert.False(writer.TryComplete());
                });
                await foreach (var x in reader.ReadAllAsync())
                    got.Add(x);
            });
            Assert.Equal(Enumerable.Range(0, 20), got);
            Assert.True(s.IsClosed);
            await reader.Completion;
            Assert.False(await reader.WaitToReadAsync());
            Assert.False(reader.TryRead(out _));
            var error = await Catch(async () => await reader.ReadAsync());
            Assert.IsType<ChannelClosedException>(error);
            Assert.Null(error!.InnerException);
        });
    }

    [Fact]
    public void WaitToReadAsync_waits_for_an_item_and_Count_and_TryPeek_see_it_without_taking_it()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(3);
            var reader = r.AsReader();
            bool ready = false;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => ready = await reader.WaitToReadAsync());
                await Settle();
                Assert.False(ready);
                Assert.False(reader.TryPeek(out _));
                Assert.True(s.TrySend(5));
                await Settle();
                Assert.True(ready);
                Assert.Equal(1, reader.Count);
                Assert.True(reader.TryPeek(out var peeked));
                Assert.Equal(5, peeked);
                Assert.Equal(5, await reader.ReadAsync());
                Assert.Equal(0, reader.Count);
            });
        });
    }

    [Fact]
    public void On_a_rendezvous_channel_a_waiting_sender_is_what_WaitToReadAsync_and_TryRead_see()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            var reader = r.AsReader();
            var writer = s.AsWriter();
            await Nursery.RunAsync(async n =>
            {
                bool writable = false;
                n.StartSoon(async () => writable = await writer.WaitToWriteAsync());
                await Settle();
                Assert.False(writable);
                n.StartSoon(async () => Assert.Equal(3, await r.ReceiveAsync()));
                await Settle();
                Assert.True(writable);
                Assert.True(writer.TryWrite(3));
                n.StartSoon(async () => await s.SendAsync(4));
                Assert.True(await reader.WaitToReadAsync());
                Assert.Equal(1, reader.Count);
                Assert.True(reader.TryPeek(out var peeked));
                Assert.Equal(4, peeked);
                Assert.True(reader.TryRead(out var item));
                Assert.Equal(4, item);
            });
        });
    }

    [Fact]
    public void WaitToWriteAsync_waits_for_a_free_slot_and_says_false_once_the_channel_is_broken()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(1);
            var writer = s.AsWriter();
            Assert.True(writer.TryWrite(1));
            Assert.False(writer.TryWrite(2));
            bool? writable = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => writable = await writer.WaitToWriteAsync());
                await Settle();
                Assert.Null(writable);
                Assert.True(r.TryReceive(out _));
                await Settle();
                Assert.True(writable);
            });
            Assert.True(writer.TryWrite(2));
            writable = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => writable = await writer.WaitToWriteAsync());
                await Settle();
                Assert.Null(writable);
                r.Close();
                await Settle();
                Assert.False(writable);
            });
            Assert.False(writer.TryWrite(3));
            var error = await Catch(async () => await writer.WriteAsync(3));
            Assert.IsType<BrokenResourceException>(Assert.IsType<ChannelClosedException>(error).InnerException);
        });
    }

    [Fact]
    public void A_writer_over_a_closed_end_refuses_writes_the_System_Threading_Channels_way()
    {
        Run(async () =>
        {
            var (s, _) = MemoryChannel.Create<int>(1);
            var writer = s.AsWriter();
            s.Close();
            Assert.False(writer.TryWrite(1));
            Assert.False(await writer.WaitToWriteAsync());
            Assert.False(writer.TryComplete());
            var error = await Catch(async () => await writer.WriteAsync(1));
            Assert.IsType<ClosedResourceException>(Assert.IsType<ChannelClosedException>(error).InnerException);
        });
    }

    [Fact]
    public void A_blocked_WriteAsync_fails_with_ChannelClosedException_when_its_end_is_closed()
    {
        Run(async () =>
        {
            var (s, _) = MemoryChannel.Create<int>(0);
            var writer = s.AsWriter();
            Exception? error = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => error = await Catch(async () => await writer.WriteAsync(1)));
                await Settle();
                s.Close();
            });
            Assert.IsType<ClosedResourceException>(Assert.IsType<ChannelClosedException>(error).InnerException);
        });
    }

    [Fact]
    public void TryComplete_with_an_error_reaches_receivers_after_the_buffer_drains()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(4);
            var boom = new InvalidOperationException("boom");
            var writer = s.AsWriter();
            var reader = r.AsReader();
            Assert.True(writer.TryWrite(1));
            var clone = s.Clone();
            Assert.True(writer.TryComplete(boom));
            Assert.False(reader.Completion.IsCompleted);
            clone.Close();
            // The buffered item comes first; the error only once the stream has ended.
            Assert.True(await reader.WaitToReadAsync());
            Assert.Equal(1, await r.ReceiveAsync());
            Assert.Same(boom, await Catch(async () => await reader.WaitToReadAsync()));
            Assert.Same(boom, Assert.IsType<ChannelClosedException>(await Catch(async () => await reader.ReadAsync())).InnerException);
            Assert.Same(boom, Assert.IsType<EndOfChannelException>(await Catch(async () => await r.ReceiveAsync())).InnerException);
            Assert.Same(boom, Assert.IsType<EndOfChannelException>(await Catch(async () => { await foreach (var _ in r) { } })).InnerException);
            Assert.Same(boom, await Catch(() => reader.Completion));
            Assert.False(reader.TryRead(out _));
        });
    }

    [Fact]
    public void Completion_waits_for_the_drain_and_completes_when_the_own_end_closes()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(2);
            var r2 = r.Clone();
            Assert.True(s.TrySend(1));
            s.Close();
            var completion = r.AsReader().Completion;
            Assert.False(completion.IsCompleted);
            Assert.True(r.TryReceive(out _));
            await Settle();
            Assert.True(completion.IsCompletedSuccessfully);

            var (s3, r3) = MemoryChannel.Create<int>(2);
            var r4 = r3.Clone();
            var mine = r3.AsReader();
            var other = r4.AsReader().Completion;
            r3.Close();
            await mine.Completion;
            Assert.False(await mine.WaitToReadAsync());
            Assert.False(mine.TryRead(out _));
            Assert.False(other.IsCompleted);
            s3.Close();
            await other;
            r2.Close();
        });
    }

    [Fact]
    public void A_reader_view_read_in_a_cancelled_scope_throws_Cancelled_and_takes_nothing()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(2);
            Assert.True(s.TrySend(1));
            var reader = r.AsReader();
            Assert.IsType<Cancelled>(await InCancelledScope(async () => await reader.ReadAsync()));
            Assert.IsType<Cancelled>(await InCancelledScope(async () => await reader.WaitToReadAsync()));
            Assert.True(reader.TryRead(out var item));
            Assert.Equal(1, item);
        });
    }

    [Fact]
    public void A_WaitToReadAsync_cancelled_by_a_deadline_leaves_no_waiter_behind()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(2);
            var reader = r.AsReader();
            var scope = CancelScope.MoveOnAfter(S(1));
            await scope.RunAsync(async () => await reader.WaitToReadAsync());
            Assert.True(scope.CancelledCaught);
            using var source = new CancellationTokenSource();
            await source.CancelAsync();
            Assert.IsAssignableFrom<OperationCanceledException>(await Catch(async () => await reader.WaitToReadAsync(source.Token)));
            Assert.True(s.TrySend(1));
            Assert.True(await reader.WaitToReadAsync());
        });
    }

    [Fact]
    public void A_writer_view_completed_with_an_error_reports_it_from_WriteAsync_and_WaitToWriteAsync_as_System_Threading_Channels_does()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(4);
            var other = s.Clone();
            var writer = s.AsWriter();
            var boom = new FormatException("boom");
            Assert.True(writer.TryComplete(boom));
            Assert.False(writer.TryWrite(1));
            Assert.Same(boom, Assert.IsType<ChannelClosedException>(await Catch(async () => await writer.WriteAsync(1))).InnerException);
            Assert.Same(boom, await Catch(async () => await writer.WaitToWriteAsync()));
            // Our own API on that end: it is closed, like any closed end.
            Assert.IsType<ClosedResourceException>(await Catch(async () => await s.SendAsync(1)));
            // The other clone is untouched: the stream goes on until it closes too.
            await other.SendAsync(2);
            Assert.True(await other.AsWriter().WaitToWriteAsync());
            Assert.Equal(2, await r.ReceiveAsync());
            other.Close();
            Assert.Same(boom, Assert.IsType<EndOfChannelException>(await Catch(async () => await r.ReceiveAsync())).InnerException);
        });
    }

    [Fact]
    public void An_error_from_one_send_clone_is_never_lost_whichever_clone_closes_last()
    {
        Run(async () =>
        {
            var boom = new FormatException("boom");
            foreach (bool errorFirst in new[] { true, false })
            {
                var (s, r) = MemoryChannel.Create<int>(4);
                var failing = s.Clone();
                var clean = s.Clone();
                s.Close();
                Assert.True(clean.TrySend(1));
                if (errorFirst)
                {
                    Assert.True(failing.AsWriter().TryComplete(boom));
                    Assert.True(clean.AsWriter().TryComplete());
                }
                else
                {
                    clean.Close();
                    Assert.False(r.AsReader().Completion.IsCompleted);
                    Assert.True(failing.AsWriter().TryComplete(boom));
                }
                // Buffered items first, then the end of the stream with the error, for every kind of receiver.
                Assert.Equal(1, await r.ReceiveAsync());
                Assert.Same(boom, Assert.IsType<EndOfChannelException>(await Catch(async () => await r.ReceiveAsync())).InnerException);
                Assert.Same(boom, Assert.IsType<EndOfChannelException>(await Catch(async () => { await foreach (var _ in r) { } })).InnerException);
                Assert.Same(boom, await Catch(async () => await r.AsReader().WaitToReadAsync()));
                Assert.Same(boom, await Catch(() => r.AsReader().Completion));
            }
        });
    }

    [Fact]
    public void When_several_send_clones_complete_with_errors_the_first_error_ends_the_stream()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(4);
            var second = s.Clone();
            var first = new FormatException("first");
            Assert.True(s.AsWriter().TryComplete(first));
            Assert.True(second.AsWriter().TryComplete(new InvalidOperationException("second")));
            Assert.Same(first, Assert.IsType<EndOfChannelException>(await Catch(async () => await r.ReceiveAsync())).InnerException);
            // Each writer still reports its own error.
            Assert.IsType<InvalidOperationException>(await Catch(async () => await second.AsWriter().WaitToWriteAsync()));
        });
    }

    [Fact]
    public void A_view_operation_in_a_cancelled_scope_returns_a_cancelled_ValueTask_that_rethrows_the_scope_cancellation()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(2);
            Assert.True(s.TrySend(1));
            var reader = r.AsReader();
            var writer = s.AsWriter();
            var scope = new CancelScope();
            await scope.RunAsync(async () =>
            {
                scope.Cancel("test");
                var read = reader.ReadAsync();
                var wait = reader.WaitToReadAsync();
                var write = writer.WriteAsync(2);
                var waitWrite = writer.WaitToWriteAsync();
                Assert.True(read.IsCanceled);
                Assert.True(wait.IsCanceled);
                Assert.True(write.IsCanceled);
                Assert.True(waitWrite.IsCanceled);
                Assert.Equal("test", Assert.IsType<Cancelled>(await Catch(async () => await read)).Reason);
                Assert.IsType<Cancelled>(await Catch(async () => await wait));
                Assert.IsType<Cancelled>(await Catch(async () => await write));
                Assert.IsType<Cancelled>(await Catch(async () => await waitWrite));
            });
            Assert.True(r.TryReceive(out var item));
            Assert.Equal(1, item);
            Assert.False(r.TryReceive(out _));
        });
    }

    [Fact]
    public void Count_of_a_rendezvous_channel_counts_a_waiting_sender_unlike_System_Threading_Channels()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.Create<int>(0);
            var bcl = Channel.CreateBounded<int>(0);
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await s.SendAsync(1));
                n.StartSoon(async () => await bcl.Writer.WriteAsync(1));
                await Settle();
                // Ours: the item is ready to take (TryRead would take it), so it counts.
                Assert.Equal(1, r.AsReader().Count);
                Assert.Equal(0, bcl.Reader.Count);
                Assert.True(bcl.Reader.TryPeek(out _));
                Assert.True(r.AsReader().TryRead(out _));
                Assert.True(bcl.Reader.TryRead(out _));
            });
        });
    }
}
