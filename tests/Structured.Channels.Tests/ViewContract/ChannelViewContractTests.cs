#pragma warning disable CA2012 // The contract is about the ValueTasks themselves: the tests inspect them, not only await them.
using System.Threading.Channels;

namespace ChannelsTests;

/// <summary>
/// System.Threading.Channels' own contract for a <see cref="ChannelWriter{T}"/> and <see cref="ChannelReader{T}"/>, as
/// dotnet/runtime's ChannelTestBase states it, restated for the loop: run against the BCL's channels (the oracle) and
/// against our views and wrappers, so the same assertions prove that they behave alike. Every test runs on the Loop
/// with a virtual clock; nothing blocks a thread.
/// </summary>
public abstract class ChannelViewContractTests
{
    /// <summary>A writer and a reader of one new stream.</summary>
    private protected abstract (ChannelWriter<int> Writer, ChannelReader<int> Reader) Create();

    /// <summary>Whether a write succeeds with nobody reading (false for a rendezvous channel).</summary>
    protected virtual bool BuffersItems => true;

    /// <summary>Whether a write can block (false for an unbounded channel).</summary>
    protected virtual bool WritesCanBlock => true;

    /// <summary>A stream whose next write blocks: a full buffer, or a rendezvous channel with no reader.</summary>
    private protected (ChannelWriter<int> Writer, ChannelReader<int> Reader) CreateFull()
    {
        Assert.True(WritesCanBlock);
        var (writer, reader) = Create();
        while (writer.TryWrite(-1))
        {
        }
        return (writer, reader);
    }

    static readonly CancellationToken Cancelled = new(canceled: true);

    [Fact]
    public void An_already_cancelled_token_gives_a_cancelled_ValueTask_and_never_throws_at_the_call()
    {
        Run(async () =>
        {
            foreach (bool dataAvailable in new[] { false, true })
            {
                if (dataAvailable && !BuffersItems)
                    continue;
                var (writer, reader) = Create();
                if (dataAvailable)
                    Assert.True(writer.TryWrite(42));
                Assert.True(reader.ReadAsync(Cancelled).IsCanceled);
                Assert.True(reader.WaitToReadAsync(Cancelled).IsCanceled);
                Assert.True(writer.WriteAsync(7, Cancelled).IsCanceled);
                Assert.True(writer.WaitToWriteAsync(Cancelled).IsCanceled);
                // The usual .NET idiom works: the failure is in the task, not thrown by the call.
                var read = reader.ReadAsync(Cancelled).AsTask();
                Assert.Same(read, await Task.WhenAny(read, Task.Delay(S(1), Loop.Current!.Clock)));
                var error = Assert.IsAssignableFrom<OperationCanceledException>(await Catch(() => read));
                Assert.Equal(Cancelled, error.CancellationToken);
                // Nothing was taken, nothing written.
                if (dataAvailable)
                {
                    Assert.True(reader.TryRead(out var item));
                    Assert.Equal(42, item);
                }
                Assert.False(reader.TryRead(out _));
            }
        });
    }

    [Fact]
    public void An_already_cancelled_token_wins_over_a_completed_channel()
    {
        Run(() =>
        {
            var (writer, reader) = Create();
            writer.Complete();
            Assert.True(reader.ReadAsync(Cancelled).IsCanceled);
            Assert.True(reader.WaitToReadAsync(Cancelled).IsCanceled);
            Assert.True(writer.WriteAsync(7, Cancelled).IsCanceled);
            Assert.True(writer.WaitToWriteAsync(Cancelled).IsCanceled);
            return Task.CompletedTask;
        });
    }

    [Fact]
    public void TryComplete_with_an_error_reaches_the_writer_and_the_reader()
    {
        Run(async () =>
        {
            var (writer, reader) = Create();
            var boom = new FormatException("boom");
            Assert.True(writer.TryComplete(boom));
            Assert.False(writer.TryComplete());
            Assert.False(writer.TryWrite(1));
            var write = writer.WriteAsync(1);
            Assert.True(write.IsCompleted);
            Assert.Same(boom, Assert.IsType<ChannelClosedException>(await Catch(async () => await write)).InnerException);
            Assert.Same(boom, await Catch(async () => await writer.WaitToWriteAsync()));
            Assert.Same(boom, await Catch(async () => await reader.WaitToReadAsync()));
            Assert.Same(boom, Assert.IsType<ChannelClosedException>(await Catch(async () => await reader.ReadAsync())).InnerException);
            Assert.True(reader.Completion.IsFaulted);
            Assert.Same(boom, await Catch(() => reader.Completion));
            Assert.False(reader.TryRead(out _));
        });
    }

    [Fact]
    public void Complete_with_an_error_fails_a_write_already_waiting()
    {
        if (!WritesCanBlock)
            return;
        Run(async () =>
        {
            var (writer, _) = CreateFull();
            var write = writer.WriteAsync(42);
            Assert.False(write.IsCompleted);
            var boom = new FormatException("boom");
            writer.Complete(boom);
            Assert.Same(boom, Assert.IsType<ChannelClosedException>(await Catch(async () => await write)).InnerException);
        });
    }

    [Fact]
    public void Complete_with_an_error_fails_a_WaitToReadAsync_already_waiting()
    {
        Run(async () =>
        {
            var (writer, reader) = Create();
            var wait = reader.WaitToReadAsync();
            Assert.False(wait.IsCompleted);
            var boom = new FormatException("boom");
            writer.Complete(boom);
            Assert.Same(boom, await Catch(async () => await wait));
        });
    }

    [Fact]
    public void Complete_with_an_OperationCanceledException_cancels_Completion_rather_than_faulting_it()
    {
        Run(async () =>
        {
            using var source = new CancellationTokenSource();
            await source.CancelAsync();
            var (writer, reader) = Create();
            writer.Complete(new OperationCanceledException(source.Token));
            Assert.True(reader.Completion.IsCanceled);
            var error = Assert.IsAssignableFrom<OperationCanceledException>(await Catch(() => reader.Completion));
            Assert.Equal(source.Token, error.CancellationToken);
            // The cancellation comes out as itself, not inside ChannelClosedException.
            Assert.IsAssignableFrom<OperationCanceledException>(await Catch(async () => await reader.ReadAsync()));
            Assert.IsAssignableFrom<OperationCanceledException>(await Catch(async () => await reader.WaitToReadAsync()));
            Assert.IsAssignableFrom<OperationCanceledException>(await Catch(async () => await writer.WriteAsync(1)));
            Assert.IsAssignableFrom<OperationCanceledException>(await Catch(async () => await writer.WaitToWriteAsync()));
        });
    }

    [Fact]
    public void Completion_is_one_task_that_completes_when_the_writer_completes()
    {
        Run(async () =>
        {
            var (writer, reader) = Create();
            var completion = reader.Completion;
            Assert.False(completion.IsCompleted);
            Assert.Same(completion, reader.Completion);
            writer.Complete();
            Assert.IsType<ChannelClosedException>(CatchSync(() => writer.Complete()));
            await completion;
            Assert.Same(completion, reader.Completion);
            Assert.False(await reader.WaitToReadAsync());
            Assert.False(await writer.WaitToWriteAsync());
            Assert.IsType<ChannelClosedException>(await Catch(async () => await reader.ReadAsync()));
            Assert.IsAssignableFrom<InvalidOperationException>(await Catch(async () => await writer.WriteAsync(1)));
        });
    }

    public enum Operation
    {
        ReadAsync,
        WaitToReadAsync,
        WriteAsync,
        WaitToWriteAsync,
    }

    public enum Continuation
    {
        OnCompleted,
        UnsafeOnCompleted,
        ConfigureAwaitTrue,
        ConfigureAwaitFalse,
    }

    public static TheoryData<Operation, Continuation> Operations()
    {
        var data = new TheoryData<Operation, Continuation>();
        foreach (var operation in Enum.GetValues<Operation>())
            foreach (var continuation in Enum.GetValues<Continuation>())
                data.Add(operation, continuation);
        return data;
    }

    /// <summary>Starts <paramref name="operation"/> so that it stays pending: how to add a continuation to its ValueTask, and what makes it complete.</summary>
    (Action<Continuation, Action> AddContinuation, Func<Task> Release) StartPending(Operation operation)
    {
        switch (operation)
        {
            case Operation.ReadAsync:
            {
                var (writer, reader) = Create();
                var read = reader.ReadAsync();
                Assert.False(read.IsCompleted);
                return ((c, a) => AddContinuation(read, c, a), async () => await writer.WriteAsync(1));
            }
            case Operation.WaitToReadAsync:
            {
                var (writer, reader) = Create();
                var wait = reader.WaitToReadAsync();
                Assert.False(wait.IsCompleted);
                return ((c, a) => AddContinuation(wait, c, a), () => Task.FromResult(writer.TryComplete()));
            }
            case Operation.WriteAsync:
            {
                var (writer, reader) = CreateFull();
                var write = writer.WriteAsync(1);
                Assert.False(write.IsCompleted);
                return ((c, a) => AddContinuation(write, c, a), () => Drain(reader));
            }
            default:
            {
                var (writer, reader) = CreateFull();
                var wait = writer.WaitToWriteAsync();
                Assert.False(wait.IsCompleted);
                return ((c, a) => AddContinuation(wait, c, a), () => Drain(reader));
            }
        }
    }

    static void AddContinuation<T>(ValueTask<T> pending, Continuation continuation, Action action)
    {
        switch (continuation)
        {
            case Continuation.OnCompleted:
                pending.GetAwaiter().OnCompleted(action);
                break;
            case Continuation.UnsafeOnCompleted:
                pending.GetAwaiter().UnsafeOnCompleted(action);
                break;
            default:
                pending.ConfigureAwait(continuation == Continuation.ConfigureAwaitTrue).GetAwaiter().UnsafeOnCompleted(action);
                break;
        }
    }

    static void AddContinuation(ValueTask pending, Continuation continuation, Action action)
    {
        switch (continuation)
        {
            case Continuation.OnCompleted:
                pending.GetAwaiter().OnCompleted(action);
                break;
            case Continuation.UnsafeOnCompleted:
                pending.GetAwaiter().UnsafeOnCompleted(action);
                break;
            default:
                pending.ConfigureAwait(continuation == Continuation.ConfigureAwaitTrue).GetAwaiter().UnsafeOnCompleted(action);
                break;
        }
    }

    /// <summary>Lets a blocked write through: a rendezvous channel needs a reader waiting, a full buffer a free slot.</summary>
    async Task Drain(ChannelReader<int> reader)
    {
        if (BuffersItems)
            Assert.True(reader.TryRead(out _));
        else
            _ = reader.ReadAsync().AsTask();
        await Settle();
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void A_second_continuation_on_a_pending_ValueTask_throws_InvalidOperationException(Operation operation, Continuation continuation)
    {
        if (operation is Operation.WriteAsync or Operation.WaitToWriteAsync && !WritesCanBlock)
            return;
        Run(async () =>
        {
            var (addContinuation, release) = StartPending(operation);
            addContinuation(continuation, () => { });
            var second = CatchSync(() => addContinuation(continuation, () => { }));
            Assert.True(second is InvalidOperationException, second?.ToString());
            // Not asserted: when the first continuation runs (the BCL may run it on the thread pool).
            await release();
            await Settle();
        });
    }

    [Fact]
    public void GetResult_of_a_pending_ValueTask_throws_InvalidOperationException_instead_of_blocking()
    {
        Run(async () =>
        {
            var (writer, reader) = Create();
            var read = reader.ReadAsync();
            Assert.IsType<InvalidOperationException>(CatchSync(() => read.GetAwaiter().GetResult()));
            var (writer2, reader2) = Create();
            var wait = reader2.WaitToReadAsync();
            Assert.IsType<InvalidOperationException>(CatchSync(() => wait.GetAwaiter().GetResult()));
            writer.Complete();
            writer2.Complete();
            await Settle();
        });
    }

    [Fact]
    public void A_completed_and_awaited_ValueTask_cannot_be_used_again()
    {
        Run(async () =>
        {
            var (writer, reader) = Create();
            var read = reader.ReadAsync();
            Assert.False(read.IsCompleted);
            await writer.WriteAsync(42);
            Assert.Equal(42, await read);
            Assert.IsType<InvalidOperationException>(CatchSync(() => _ = read.GetAwaiter().IsCompleted));
            Assert.IsType<InvalidOperationException>(CatchSync(() => read.GetAwaiter().OnCompleted(() => { })));
            Assert.IsType<InvalidOperationException>(CatchSync(() => read.GetAwaiter().GetResult()));

            var wait = reader.WaitToReadAsync();
            Assert.False(wait.IsCompleted);
            // On a rendezvous channel the write waits for the read below.
            var write = writer.WriteAsync(43).AsTask();
            Assert.True(await wait);
            Assert.IsType<InvalidOperationException>(CatchSync(() => _ = wait.GetAwaiter().IsCompleted));
            Assert.True(reader.TryRead(out var item));
            Assert.Equal(43, item);
            await write;
        });
    }

    [Fact]
    public void A_write_completes_a_waiting_read_and_WaitToWriteAsync_sees_a_waiting_reader()
    {
        Run(async () =>
        {
            var (writer, reader) = Create();
            var read = reader.ReadAsync();
            Assert.False(read.IsCompleted);
            var wait = writer.WaitToWriteAsync();
            Assert.True(wait.IsCompletedSuccessfully);
            Assert.True(wait.Result);
            var write = writer.WriteAsync(42);
            Assert.True(write.IsCompletedSuccessfully);
            Assert.Equal(42, await read);
        });
    }

    [Fact]
    public void Cancelled_reads_take_nothing_and_the_next_reads_get_every_item()
    {
        Run(async () =>
        {
            var (writer, reader) = Create();
            for (int i = 0; i < 5; i++)
            {
                using var source = new CancellationTokenSource();
                var read = reader.ReadAsync(source.Token).AsTask();
                await Settle();
                Assert.False(read.IsCompleted);
                await source.CancelAsync();
                var error = Assert.IsAssignableFrom<OperationCanceledException>(await Catch(() => read));
                Assert.Equal(source.Token, error.CancellationToken);
                Assert.True(read.IsCanceled);
            }
            for (int i = 0; i < 7; i++)
            {
                var read = reader.ReadAsync();
                await writer.WriteAsync(i);
                Assert.Equal(i, await read);
            }
        });
    }

    [Fact]
    public void A_producer_and_a_consumer_move_every_item_in_order()
    {
        Run(async () =>
        {
            var (writer, reader) = Create();
            var got = new List<int>();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < 300; i++)
                        await writer.WriteAsync(i);
                    writer.Complete();
                });
                n.StartSoon(async () =>
                {
                    await foreach (var x in reader.ReadAllAsync())
                        got.Add(x);
                });
            });
            Assert.Equal(Enumerable.Range(0, 300), got);
            await reader.Completion;
        });
    }

    [Fact]
    public void Ping_pong_over_two_channels_with_ReadAsync_and_WriteAsync()
    {
        Run(async () =>
        {
            var (w1, r1) = Create();
            var (w2, r2) = Create();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    for (int i = 0; i < 100; i++)
                    {
                        Assert.Equal(i, await r1.ReadAsync());
                        await w2.WriteAsync(i);
                    }
                });
                for (int i = 0; i < 100; i++)
                {
                    await w1.WriteAsync(i);
                    Assert.Equal(i, await r2.ReadAsync());
                }
            });
        });
    }

    [Fact]
    public void Many_readers_waiting_in_ReadAsync_each_get_one_item()
    {
        Run(async () =>
        {
            var (writer, reader) = Create();
            var reads = Enumerable.Range(0, 50).Select(_ => reader.ReadAsync().AsTask()).ToArray();
            for (int i = 0; i < 50; i++)
                await writer.WriteAsync(i);
            Assert.Equal(Enumerable.Range(0, 50), (await Task.WhenAll(reads)).Order());
        });
    }
}
