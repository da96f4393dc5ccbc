namespace LoopTests;

public class PostTests
{
    [Fact]
    public void Post_runs_the_callback_later_on_the_loop_thread_never_inline()
    {
        Run(async () =>
        {
            var loop = Loop.Current!;
            int loopThread = Environment.CurrentManagedThreadId;
            var ranOn = new List<int>();
            loop.Post(() => ranOn.Add(Environment.CurrentManagedThreadId));
            Assert.Empty(ranOn);
            await Checkpoint.YieldAsync();
            Assert.Equal(new[] { loopThread }, ranOn);
        });
    }

    [Fact]
    public void Post_of_null_throws_ArgumentNullException()
        => Run(async () =>
        {
            Assert.Throws<ArgumentNullException>(() => Loop.Current!.Post(null!));
            await Checkpoint.YieldAsync();
        });

    [Fact]
    public void Eight_threads_posting_100_000_callbacks_each_every_callback_runs_once_on_the_loop_thread()
    {
        const int Threads = 8, PerThread = 100_000;
        var seen = new byte[Threads * PerThread];
        bool wrongThread = false;
        Run(async () =>
        {
            var loop = Loop.Current!;
            int loopThread = Environment.CurrentManagedThreadId;
            int count = 0;
            var done = new Event();
            using var start = new Barrier(Threads);
            var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < PerThread; i++)
                {
                    int k = t * PerThread + i;
                    loop.Post(() =>
                    {
                        seen[k]++;
                        wrongThread |= Environment.CurrentManagedThreadId != loopThread;
                        if (++count == Threads * PerThread)
                            done.Set();
                    });
                }
            }) { IsBackground = true }).ToList();
            threads.ForEach(th => th.Start());
            await done.WaitAsync();
            threads.ForEach(th => th.Join());
        });
        Assert.False(wrongThread);
        Assert.DoesNotContain(seen, c => c != 1);
    }

    [Fact]
    public void An_idle_loop_waits_for_a_post_from_another_thread()
    {
        int value = 0;
        Run(async () =>
        {
            var loop = Loop.Current!;
            var done = new Event();
            _ = Task.Run(() => loop.Post(() => { value = 42; done.Set(); }));
            await done.WaitAsync();
        }, new LoopOptions());
        Assert.Equal(42, value);
    }
}

public class PostAfterRunTests
{
    [Fact]
    public void Post_after_the_loop_finished_throws_InvalidOperationException_instead_of_losing_the_callback()
    {
        Loop? finished = null;
        Run(async () => { finished = Loop.Current; await Checkpoint.YieldAsync(); });
        var e = Assert.Throws<InvalidOperationException>(() => finished!.Post(() => { }));
        Assert.Contains("finished", e.Message);
    }
}
