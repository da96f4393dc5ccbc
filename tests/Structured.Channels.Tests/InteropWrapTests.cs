using System.Threading.Channels;

namespace ChannelsTests;

/// <summary>System.Threading.Channels ends wrapped as ours: <c>MemoryChannel.FromReader/FromWriter/FromChannel</c>.</summary>
public sealed class InteropWrapTests
{
    [Fact]
    public void Wrapping_null_throws_ArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => MemoryChannel.FromReader<int>(null!));
        Assert.Throws<ArgumentNullException>(() => MemoryChannel.FromWriter<int>(null!));
        Assert.Throws<ArgumentNullException>(() => MemoryChannel.FromChannel<int>(null!));
        Assert.Throws<ArgumentNullException>(() => ((ChannelReader<int>)null!).AsReceiveChannel());
        Assert.Throws<ArgumentNullException>(() => ((ChannelWriter<int>)null!).AsSendChannel());
    }

    [Fact]
    public void A_wrapped_channel_streams_items_and_ends_when_the_last_send_clone_closes()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.FromChannel(Channel.CreateBounded<int>(2));
            var got = new List<int>();
            await Nursery.RunAsync(async n =>
            {
                for (int p = 0; p < 3; p++)
                {
                    var clone = s.Clone();
                    int basis = p * 100;
                    n.StartSoon(async () =>
                    {
                        await using (clone)
                            for (int i = 0; i < 10; i++)
                                await clone.SendAsync(basis + i);
                    });
                }
                s.Close();
                Assert.Equal(3, s.Statistics.OpenSendChannels);
                await foreach (var x in r)
                    got.Add(x);
            });
            Assert.Equal(30, got.Count);
            Assert.Equal(Enumerable.Range(0, 3).SelectMany(p => Enumerable.Range(p * 100, 10)), got.Order());
            Assert.IsType<EndOfChannelException>(await Catch(async () => await r.ReceiveAsync()));
            Assert.False(r.TryReceive(out _));
        });
    }

    [Fact]
    public void The_extension_methods_wrap_like_the_factory()
    {
        Run(async () =>
        {
            var channel = Channel.CreateUnbounded<string>();
            var s = channel.Writer.AsSendChannel();
            var r = channel.Reader.AsReceiveChannel();
            Assert.True(s.TrySend("a"));
            await s.SendAsync("b");
            Assert.Equal("a", await r.ReceiveAsync());
            Assert.True(r.TryReceive(out var b));
            Assert.Equal("b", b);
            Assert.Equal(0, r.Statistics.BufferUsed);
            Assert.Equal(1, r.Statistics.OpenReceiveChannels);
            Assert.Equal(-1, r.Statistics.OpenSendChannels);
        });
    }

    [Fact]
    public void A_closed_wrapped_end_refuses_every_use_with_ClosedResourceException()
    {
        Run(async () =>
        {
            var channel = Channel.CreateUnbounded<int>();
            var s = channel.Writer.AsSendChannel();
            var r = channel.Reader.AsReceiveChannel();
            var r2 = r.Clone();
            r.Close();
            r.Close();
            Assert.True(r.IsClosed);
            Assert.IsType<ClosedResourceException>(await Catch(async () => await r.ReceiveAsync()));
            Assert.IsType<ClosedResourceException>(CatchSync(() => r.TryReceive(out _)));
            Assert.IsType<ClosedResourceException>(CatchSync(() => r.Clone()));
            Assert.Equal(1, r2.Statistics.OpenReceiveChannels);
            await s.DisposeAsync();
            Assert.IsType<ClosedResourceException>(await Catch(async () => await s.SendAsync(1)));
            Assert.IsType<ClosedResourceException>(CatchSync(() => s.TrySend(1)));
            Assert.IsType<ClosedResourceException>(CatchSync(() => s.Clone()));
            // The last send clone completed the writer.
            Assert.True(channel.Reader.Completion.IsCompleted);
            Assert.IsType<EndOfChannelException>(await Catch(async () => await r2.ReceiveAsync()));
        });
    }

    [Fact]
    public void A_receive_blocked_on_a_wrapped_reader_obeys_a_deadline_and_takes_nothing()
    {
        Run(async () =>
        {
            var channel = Channel.CreateUnbounded<int>();
            var r = channel.Reader.AsReceiveChannel();
            var start = Time.Now;
            var scope = CancelScope.MoveOnAfter(S(3));
            await scope.RunAsync(async () => await r.ReceiveAsync());
            Assert.True(scope.CancelledCaught);
            Assert.Equal(start + S(3), Time.Now);
            Assert.True(channel.Writer.TryWrite(1));
            Assert.Equal(1, await r.ReceiveAsync());
        });
    }

    [Fact]
    public void A_receive_blocked_on_a_wrapped_clone_fails_with_ClosedResourceException_when_that_clone_closes()
    {
        Run(async () =>
        {
            var channel = Channel.CreateUnbounded<int>();
            var r = channel.Reader.AsReceiveChannel();
            var r2 = r.Clone();
            Exception? error = null;
            int got = 0;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => error = await Catch(async () => await r.ReceiveAsync()));
                n.StartSoon(async () => got = await r2.ReceiveAsync());
                await Settle();
                Assert.Equal(2, r2.Statistics.TasksWaitingReceive);
                r.Close();
                await Settle();
                Assert.IsType<ClosedResourceException>(error);
                Assert.True(channel.Writer.TryWrite(9));
            });
            Assert.Equal(9, got);
        });
    }

    [Fact]
    public void A_wrapped_reader_completed_with_an_error_ends_the_stream_with_that_error_inside()
    {
        Run(async () =>
        {
            var channel = Channel.CreateUnbounded<int>();
            var r = channel.Reader.AsReceiveChannel();
            var boom = new InvalidOperationException("boom");
            Exception? error = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => error = await Catch(async () => { await foreach (var _ in r) { } }));
                await Settle();
                channel.Writer.TryComplete(boom);
            });
            Assert.Same(boom, Assert.IsType<EndOfChannelException>(error).InnerException);
            Assert.Same(boom, await Catch(async () => await r.AsReader().WaitToReadAsync()));
        });
    }

    [Fact]
    public void A_send_to_a_full_wrapped_writer_waits_and_a_cancelled_one_writes_nothing()
    {
        Run(async () =>
        {
            var channel = Channel.CreateBounded<int>(1);
            var s = channel.Writer.AsSendChannel();
            Assert.True(s.TrySend(1));
            Assert.False(s.TrySend(2));
            Assert.IsType<Cancelled>(await InCancelledScope(async () => await s.SendAsync(3)));
            var scope = CancelScope.MoveOnAfter(S(1));
            await scope.RunAsync(async () => await s.SendAsync(4));
            Assert.True(scope.CancelledCaught);
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await s.SendAsync(5));
                await Settle();
                Assert.Equal(1, s.Statistics.TasksWaitingSend);
                Assert.True(channel.Reader.TryRead(out var first));
                Assert.Equal(1, first);
            });
            Assert.True(channel.Reader.TryRead(out var second));
            Assert.Equal(5, second);
            Assert.False(channel.Reader.TryRead(out _));
        });
    }

    [Fact]
    public void A_send_to_a_writer_that_someone_else_completed_is_broken()
    {
        Run(async () =>
        {
            var channel = Channel.CreateBounded<int>(1);
            var s = channel.Writer.AsSendChannel();
            Assert.True(s.TrySend(1));
            Exception? blocked = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => blocked = await Catch(async () => await s.SendAsync(2)));
                await Settle();
                channel.Writer.TryComplete();
            });
            Assert.IsType<BrokenResourceException>(blocked);
            Assert.IsType<BrokenResourceException>(await Catch(async () => await s.SendAsync(3)));
            Assert.False(s.TrySend(4));
            Assert.False(await s.AsWriter().WaitToWriteAsync());
        });
    }

    [Fact]
    public void A_send_blocked_on_a_wrapped_clone_fails_with_ClosedResourceException_when_that_clone_closes()
    {
        Run(async () =>
        {
            var channel = Channel.CreateBounded<int>(1);
            var s = channel.Writer.AsSendChannel();
            var s2 = s.Clone();
            Assert.True(s.TrySend(1));
            Exception? error = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => error = await Catch(async () => await s.SendAsync(2)));
                await Settle();
                s.Close();
            });
            Assert.IsType<ClosedResourceException>(error);
            Assert.False(channel.Reader.Completion.IsCompleted);
            s2.AsWriter().TryComplete();
            Assert.True(channel.Reader.TryRead(out var only));
            Assert.Equal(1, only);
            await channel.Reader.Completion;
        });
    }

    [Fact]
    public void A_wrapped_rendezvous_channel_moves_items_from_producers_to_consumers()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.FromChannel(Channel.CreateBounded<int>(0));
            var got = new List<int>();
            await Nursery.RunAsync(async n =>
            {
                for (int p = 0; p < 2; p++)
                {
                    var clone = s.Clone();
                    int basis = p * 1000;
                    n.StartSoon(async () =>
                    {
                        await using (clone)
                            for (int i = 0; i < 100; i++)
                                await clone.SendAsync(basis + i);
                    });
                }
                s.Close();
                for (int c = 0; c < 2; c++)
                {
                    var clone = r.Clone();
                    n.StartSoon(async () =>
                    {
                        await using (clone)
                            await foreach (var x in clone)
                                got.Add(x);
                    });
                }
                r.Close();
            });
            Assert.Equal(Enumerable.Range(0, 100).Concat(Enumerable.Range(1000, 100)), got.Order());
        });
    }

    [Fact]
    public void On_a_wrapped_rendezvous_channel_a_cancelled_send_delivers_nothing_and_a_cancelled_receive_takes_nothing()
    {
        Run(async () =>
        {
            var (s, r) = MemoryChannel.FromChannel(Channel.CreateBounded<int>(0));
            var start = Time.Now;
            var sendScope = CancelScope.MoveOnAfter(S(1));
            await sendScope.RunAsync(async () => await s.SendAsync(1));
            Assert.True(sendScope.CancelledCaught);
            var receiveScope = CancelScope.MoveOnAfter(S(1));
            await receiveScope.RunAsync(async () => await r.ReceiveAsync());
            Assert.True(receiveScope.CancelledCaught);
            Assert.Equal(start + S(2), Time.Now);
            using var source = new CancellationTokenSource();
            Exception? cancelled = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => cancelled = await Catch(async () => await r.ReceiveAsync(source.Token)));
                await Settle();
                Assert.Equal(1, r.Statistics.TasksWaitingReceive);
                await source.CancelAsync();
            });
            Assert.IsType<OperationCanceledException>(cancelled);
            Assert.Equal(source.Token, ((OperationCanceledException)cancelled!).CancellationToken);
            // Only the next real pair meets: the cancelled send's item never arrives.
            int got = 0;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => got = await r.ReceiveAsync());
                await s.SendAsync(2);
            });
            Assert.Equal(2, got);
            Assert.Equal(0, r.Statistics.TasksWaitingReceive);
            Assert.Equal(0, s.Statistics.TasksWaitingSend);
        });
    }

    [Fact]
    public void A_wrapped_channel_completed_with_an_OperationCanceledException_ends_the_stream_with_it_inside()
    {
        Run(async () =>
        {
            var empty = Channel.CreateBounded<int>(0);
            var full = Channel.CreateBounded<int>(1);
            Assert.True(full.Writer.TryWrite(0));
            var r = MemoryChannel.FromReader(empty.Reader);
            var s = MemoryChannel.FromWriter(full.Writer);
            var canceled = new OperationCanceledException("the producer gave up");
            Exception? receiving = null, sending = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => receiving = await Catch(async () => await r.ReceiveAsync()));
                n.StartSoon(async () => sending = await Catch(async () => await s.SendAsync(1)));
                await Settle();
                empty.Writer.TryComplete(canceled);
                full.Writer.TryComplete(canceled);
            });
            // Not a cancellation of ours: the end of the stream, and a broken channel, with the cause inside.
            Assert.Same(canceled, Assert.IsType<EndOfChannelException>(receiving).InnerException);
            Assert.Same(canceled, Assert.IsType<BrokenResourceException>(sending).InnerException);
            Assert.True(empty.Reader.Completion.IsCanceled);
        });
    }
}

