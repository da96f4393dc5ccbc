namespace Structured;

/// <summary>The <see cref="IStarted"/> / <see cref="IStarted{T}"/> of one <c>StartAsync</c> call.</summary>
internal sealed class StartedHandle<T>(Nursery target) : IStarted, IStarted<T>
{
    int _started;

    internal NurseryTask? Child { get; set; }

    internal T Value { get; private set; } = default!;

    internal bool IsStarted => Volatile.Read(ref _started) != 0;

    public void Started() => Started(default!);

    public void Started(T value)
    {
        // StartAsync sets Child before it schedules the task, so a task that calls Started at once (on the pool, before
        // StartAsync took another step) finds it.
        var child = Child ?? throw new InvalidOperationException("started.Started() was called before the task was scheduled (a bug in Structured).");
        if (Interlocked.Exchange(ref _started, 1) != 0)
            throw new InvalidOperationException("started.Started() was called twice; call it once, when the task is ready.");
        Value = value;
        // The scope tree of a loop belongs to its thread: a Started() from a worker thread (Task.Run, ToThread) moves the
        // task on the loop, and returns once it has moved.
        if (target.CancelScope.LoopOwner is { IsOnLoopThread: false } loop)
            loop.Send(null, static s => { var (nursery, task) = ((Nursery, NurseryTask))s!; nursery.Adopt(task); }, (target, child));
        else
            target.Adopt(child);
    }
}
