namespace NurseryTests;

public class MapAsyncTests
{
    [Fact]
    public void Results_come_in_the_source_s_order_and_no_more_than_the_limit_run_at_once()
    {
        int running = 0, peak = 0;
        var (results, elapsed) = Run(async () =>
        {
            var results = await Nursery.MapAsync(Enumerable.Range(1, 10), async (x, ct) =>
            {
                peak = Math.Max(peak, ++running);
                await Time.SleepAsync(S(11 - x)); // the first items take longest
                running--;
                return x * 10;
            }, maxConcurrency: 3);
            return (results, Time.Now);
        });
        Assert.Equal(Enumerable.Range(1, 10).Select(x => x * 10), results);
        Assert.Equal(3, peak);
        Assert.True(elapsed < S(55), $"took {elapsed}: not concurrent");
    }

    [Fact]
    public void The_first_error_cancels_the_items_in_flight_stops_the_source_and_names_the_item()
    {
        var started = new List<int>();
        var cancelled = new List<int>();
        var boom = new InvalidOperationException("item 3 is bad");
        var e = Run(() => Catch(() => Nursery.MapAsync(Enumerable.Range(0, 100), async (x, ct) =>
        {
            started.Add(x);
            try
            {
                await Time.SleepAsync(x == 3 ? S(1) : S(10));
            }
            catch (OperationCanceledException)
            {
                cancelled.Add(x);
                throw;
            }
            if (x == 3)
                throw boom;
            return x;
        }, maxConcurrency: 5, name: "fetch")));
        var aggregate = Assert.IsType<AggregateException>(e);
        Assert.Same(boom, Assert.Single(aggregate.InnerExceptions));
        Assert.Equal("fetch[3]", boom.GetTaskName());
        Assert.Contains("Task 'fetch[3]' failed", aggregate.Message);
        Assert.Equal([0, 1, 2, 3, 4], started);
        Assert.Equal([0, 1, 2, 4], cancelled.Order());
    }

    [Fact]
    public void An_outer_scope_cancels_every_item_and_catches_the_cancellation()
    {
        var scope = CancelScope.MoveOnAfter(S(5));
        int finished = 0;
        Run(() => scope.RunAsync(() => Nursery.MapAsync(Enumerable.Range(0, 20), async (x, ct) =>
        {
            await Time.SleepAsync(S(x));
            finished++;
            return x;
        }, maxConcurrency: -1)));
        Assert.True(scope.CancelledCaught);
        Assert.Equal(5, finished); // 0..4 s finished before the deadline at 5 s
    }

    [Fact]
    public void An_asynchronous_source_is_mapped_as_its_items_arrive()
    {
        var log = new List<string>();
        var results = Run(async () =>
        {
            static async IAsyncEnumerable<int> Arrivals()
            {
                for (int i = 1; i <= 4; i++)
                {
                    await Time.SleepAsync(S(1));
                    yield return i;
                }
            }
            var results = await Nursery.MapAsync(Arrivals(), async (x, ct) =>
            {
                log.Add($"{x} at {Time.Now.TotalSeconds}");
                await Checkpoint.YieldAsync();
                return -x;
            }, maxConcurrency: 2);
            return results;
        });
        Assert.Equal([-1, -2, -3, -4], results);
        Assert.Equal(["1 at 1", "2 at 2", "3 at 3", "4 at 4"], log);
    }

    [Fact]
    public void A_source_that_throws_fails_the_map_and_cancels_its_items()
    {
        static IEnumerable<int> Broken()
        {
            yield return 1;
            yield return 2;
            throw new IOException("disk gone");
        }
        bool cancelled = false;
        var e = Run(() => Catch(() => Nursery.MapAsync(Broken(), async (x, ct) =>
        {
            try { await Time.SleepForeverAsync(); }
            catch (OperationCanceledException) { cancelled = true; throw; }
            return x;
        }, maxConcurrency: 4)));
        var error = Assert.Single(Assert.IsType<AggregateException>(e).InnerExceptions);
        Assert.IsType<IOException>(error);
        Assert.True(cancelled);
    }

    [Fact]
    public void Empty_and_large_sources_and_the_ValueTask_form()
    {
        Run(async () =>
        {
            Assert.Empty(await Nursery.MapAsync(Array.Empty<int>(), (x, ct) => Task.FromResult(x), maxConcurrency: 1));
            var lazy = Enumerable.Range(0, 5000).Where(x => x >= 0); // count unknown up front: results in growing chunks
            var doubled = await Nursery.MapAsync(lazy, (x, ct) => new ValueTask<long>(2L * x), maxConcurrency: 64);
            Assert.Equal(Enumerable.Range(0, 5000).Select(x => 2L * x), doubled);
        });
    }

    [Fact]
    public void Bad_arguments_are_refused_at_the_call()
    {
        Func<int, CancellationToken, Task<int>> body = (x, ct) => Task.FromResult(x);
        Assert.Throws<ArgumentNullException>(() => { _ = Nursery.MapAsync((IEnumerable<int>)null!, body, 1); });
        Assert.Throws<ArgumentNullException>(() => { _ = Nursery.MapAsync([1], (Func<int, CancellationToken, Task<int>>)null!, 1); });
        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Nursery.MapAsync([1], body, 0); });
        Assert.Contains("maxConcurrency", zero.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Nursery.MapAsync([1], body, -2); });
    }

    [Fact]
    public void Off_the_loop_items_run_on_the_thread_pool_and_keep_their_order()
    {
        OffLoop(async () =>
        {
            int running = 0, peak = 0;
            var results = await Nursery.MapAsync(Enumerable.Range(0, 2000), async (x, ct) =>
            {
                int now = Interlocked.Increment(ref running);
                int seen;
                while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen)
                {
                }
                await Task.Yield();
                Interlocked.Decrement(ref running);
                return x.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }, maxConcurrency: 8);
            Assert.Equal(Enumerable.Range(0, 2000).Select(x => x.ToString(System.Globalization.CultureInfo.InvariantCulture)), results);
            Assert.InRange(peak, 1, 8);
        });
    }
}
