using System.Collections.Concurrent;

namespace NurseryTests;

[CollectionDefinition("OffLoop", DisableParallelization = true)]
public class OffLoopGroup;

[Collection("OffLoop")]
public class OffLoopTests
{
    [Fact]
    public void Ten_thousand_children_on_the_thread_pool_all_finish_before_the_nursery()
    {
        int done = 0;
        OffLoop(async () =>
        {
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 10_000; i++)
                    n.StartSoon(async () => { await Checkpoint.YieldAsync(); Interlocked.Increment(ref done); });
            });
            Assert.Equal(10_000, Volatile.Read(ref done));
        });
    }

    [Fact]
    public void Cancels_racing_from_many_threads_end_every_child_and_nothing_hangs()
    {
        int cancelled = 0;
        OffLoop(async () =>
        {
            for (int round = 0; round < 20; round++)
            {
                var scope = new CancelScope();
                await scope.RunAsync(async () => await Nursery.RunAsync(async n =>
                {
                    for (int i = 0; i < 50; i++)
                        n.StartSoon(async () =>
                        {
                            try { await Time.SleepForeverAsync(); }
                            catch (OperationCanceledException) { Interlocked.Increment(ref cancelled); throw; }
                        });
                    var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() => scope.Cancel()) { IsBackground = true }).ToList();
                    threads.ForEach(t => t.Start());
                    await Time.SleepForeverAsync();
                }));
                Assert.True(scope.CancelledCaught);
            }
        });
        Assert.Equal(20 * 50, cancelled);
    }

    [Fact]
    public void Failures_racing_with_cancellation_lose_no_error()
    {
        OffLoop(async () =>
        {
            for (int round = 0; round < 20; round++)
            {
                var errors = new ConcurrentBag<Exception>();
                var scope = new CancelScope();
                Exception? e = await Catch(() => scope.RunAsync(async () => await Nursery.RunAsync(async n =>
                {
                    for (int i = 0; i < 20; i++)
                    {
                        int k = i;
                        n.StartSoon(async () =>
                        {
                            // k % 3 == 0 fails at once; k % 3 == 1 fails after a checkpoint, racing the cancel.
                            if (k % 3 == 1)
                                await Checkpoint.YieldAsync();
                            if (k % 3 != 2)
                            {
                                var error = new FormatException($"#{k}");
                                errors.Add(error);
                                throw error;
                            }
                            await Time.SleepForeverAsync();
                        });
                    }
                    _ = Task.Run(() => scope.Cancel());
                    await Time.SleepForeverAsync();
                })));
                var agg = Assert.IsType<AggregateException>(e);
                Assert.Equal(errors.OrderBy(x => x.Message), agg.Leaves().OrderBy(x => x.Message));
            }
        });
    }

    [Fact]
    public void Off_the_loop_a_deadline_on_the_system_clock_never_fires_early()
    {
        OffLoop(async () =>
        {
            var start = Time.Now;
            var scope = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(30));
            await scope.RunAsync(async () => await Time.SleepForeverAsync());
            Assert.True(Time.Now - start >= TimeSpan.FromMilliseconds(30));
            Assert.True(scope.CancelledCaught);
        });
    }
}
