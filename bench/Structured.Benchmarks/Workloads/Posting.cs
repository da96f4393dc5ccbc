using System.Diagnostics;
using Structured;

namespace Benchmarks;

/// <summary>
/// The loop benchmark of issue 2: N callbacks posted and run, on the Loop (<c>loop.Post</c>), inside
/// <c>AsyncContext</c> (<see cref="SynchronizationContext.Post"/>) and on the thread pool
/// (<c>ThreadPool.UnsafeQueueUserWorkItem</c>). Same-thread: the loop's own task posts, in batches of
/// <see cref="Batch"/> and waits for each batch to run. Cross-thread: a foreign thread posts all N while the
/// loop runs them.
/// </summary>
public static class Posting
{
    /// <summary>Callbacks per batch in the same-thread variant.</summary>
    public const int Batch = 1024;

    /// <summary>Same thread, on the Loop.</summary>
    public static async Task<double> LoopSameThreadAsync(int n)
    {
        var loop = Loop.Current ?? throw new InvalidOperationException("run on the Loop");
        var counter = new PostCounter();
        long start = Stopwatch.GetTimestamp();
        for (int posted = 0; posted < n; posted += Batch)
        {
            int count = Math.Min(Batch, n - posted);
            var done = counter.Arm(count);
            var callback = counter.Action;
            for (int i = 0; i < count; i++)
                loop.Post(callback);
            await done;
        }
        return Repeat.Since(start);
    }

    /// <summary>Same thread, on the current <see cref="SynchronizationContext"/> (AsyncContext's).</summary>
    public static async Task<double> ContextSameThreadAsync(int n)
    {
        var context = SynchronizationContext.Current ?? throw new InvalidOperationException("run inside AsyncContext");
        var counter = new PostCounter();
        long start = Stopwatch.GetTimestamp();
        for (int posted = 0; posted < n; posted += Batch)
        {
            int count = Math.Min(Batch, n - posted);
            var done = counter.Arm(count);
            var callback = counter.SendOrPost;
            for (int i = 0; i < count; i++)
                context.Post(callback, null);
            await done;
        }
        return Repeat.Since(start);
    }

    /// <summary>Same thread, from a pool thread into its local queue.</summary>
    public static async Task<double> PoolSameThreadAsync(int n)
    {
        var counter = new PostCounter();
        long start = Stopwatch.GetTimestamp();
        for (int posted = 0; posted < n; posted += Batch)
        {
            int count = Math.Min(Batch, n - posted);
            var done = counter.Arm(count);
            var callback = counter.PoolItem;
            for (int i = 0; i < count; i++)
                ThreadPool.UnsafeQueueUserWorkItem(callback, null, preferLocal: true);
            await done;
        }
        return Repeat.Since(start);
    }

    /// <summary>Cross thread: a foreign thread posts N callbacks into the Loop.</summary>
    public static Task<double> LoopCrossThreadAsync(int n)
    {
        var loop = Loop.Current ?? throw new InvalidOperationException("run on the Loop");
        var callback = new PostCounter();
        return CrossThreadAsync(n, callback, () =>
        {
            var action = callback.Action;
            for (int i = 0; i < n; i++)
                loop.Post(action);
        });
    }

    /// <summary>Cross thread: a foreign thread posts N callbacks into the current SynchronizationContext (AsyncContext's).</summary>
    public static Task<double> ContextCrossThreadAsync(int n)
    {
        var context = SynchronizationContext.Current ?? throw new InvalidOperationException("run inside AsyncContext");
        var callback = new PostCounter();
        return CrossThreadAsync(n, callback, () =>
        {
            var post = callback.SendOrPost;
            for (int i = 0; i < n; i++)
                context.Post(post, null);
        });
    }

    /// <summary>Cross thread: a foreign thread queues N callbacks to the pool's global queue.</summary>
    public static Task<double> PoolCrossThreadAsync(int n)
    {
        var callback = new PostCounter();
        return CrossThreadAsync(n, callback, () =>
        {
            var item = callback.PoolItem;
            for (int i = 0; i < n; i++)
                ThreadPool.UnsafeQueueUserWorkItem(item, null, preferLocal: false);
        });
    }

    static async Task<double> CrossThreadAsync(int n, PostCounter counter, Action produce)
    {
        var done = counter.Arm(n);
        var producer = new Thread(() => produce()) { IsBackground = true, Name = "poster" };
        long start = Stopwatch.GetTimestamp();
        producer.Start();
        await done;
        double seconds = Repeat.Since(start);
        producer.Join();
        return seconds;
    }
}
