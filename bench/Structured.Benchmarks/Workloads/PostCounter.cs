namespace Benchmarks;

/// <summary>
/// The callback that the posting benchmark posts: counts down and completes a task when a batch has run.
/// One cached delegate per shape, so posting allocates nothing on the benchmark's side.
/// </summary>
public sealed class PostCounter
{
    int _remaining;
    TaskCompletionSource? _done;

    /// <summary>Creates the counter and its cached delegates.</summary>
    public PostCounter()
    {
        Action = Hit;
        SendOrPost = _ => Hit();
        PoolItem = _ => HitAtomic();
    }

    /// <summary>For <c>loop.Post(Action)</c> (single-threaded: a plain decrement).</summary>
    public Action Action { get; }

    /// <summary>For <see cref="SynchronizationContext.Post"/> (single-threaded: a plain decrement).</summary>
    public SendOrPostCallback SendOrPost { get; }

    /// <summary>For <c>ThreadPool.UnsafeQueueUserWorkItem</c> (many threads: an interlocked decrement).</summary>
    public Action<object?> PoolItem { get; }

    /// <summary>Expects <paramref name="count"/> callbacks; the returned task completes when the last has run.</summary>
    public Task Arm(int count)
    {
        var done = new TaskCompletionSource();
        _done = done;
        Volatile.Write(ref _remaining, count);
        return done.Task;
    }

    void Hit()
    {
        if (--_remaining == 0)
            _done!.SetResult();
    }

    void HitAtomic()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
            _done!.SetResult();
    }
}
