namespace Structured.Testing;

/// <summary>
/// What one test loop run created that must be gone at its end: channel ends (through the creation hook of
/// Structured.Channels), work queued to the thread pool (through <see cref="ThreadPoolWorkListener"/>), and, for their
/// creation stacks, its tasks. Lives on the run's thread; <see cref="_gate"/> guards the thread-pool work, which
/// completes on other threads.
/// </summary>
internal sealed class LeakTracker(bool captureStacks, Func<IEnumerable<TaskInfo>> liveTasks)
{
    [ThreadStatic]
    static LeakTracker? t_current;

    readonly Lock _gate = new();
    readonly List<(IChannelEnd End, Origin Origin)> _ends = [];
    readonly Dictionary<TaskInfo, Origin> _taskOrigins = [];
    // Queued to the thread pool by the run and not finished yet, in the order queued; guarded by _gate.
    readonly Dictionary<int, Origin> _threadPoolWork = [];
    int _loopSchedulerId = -1;

    readonly record struct Origin(string? CreatedBy, string? Stack);

    /// <summary>The tracker of the test loop run on this thread, or null.</summary>
    internal static LeakTracker? Current => t_current;

    /// <summary>Starts tracking on this thread (the run's): installs the channel hook once per process, starts listening for Task.Run.</summary>
    internal void Attach()
    {
        ChannelEndHooks.Created ??= static end => t_current?.EndCreated(end);
        ThreadPoolWorkListener.Acquire();
        t_current = this;
    }

    /// <summary>Stops tracking: nothing created after this is seen.</summary>
    internal void Detach()
    {
        t_current = null;
        ThreadPoolWorkListener.Release();
        lock (_gate)
            ThreadPoolWorkListener.Forget(_threadPoolWork.Keys);
    }

    /// <summary>Notes the loop's own scheduler: a task queued to it runs on the loop, which waits for it.</summary>
    internal void LoopStarted(Loop loop) => _loopSchedulerId = loop.Scheduler.Id;

    internal bool IsThreadPoolScheduler(int schedulerId) => schedulerId != _loopSchedulerId;

    internal void TaskSpawned(TaskInfo task)
    {
        if (captureStacks)
            _taskOrigins[task] = new Origin(TaskInfo.CurrentOrNull?.Name, CreationStack.Capture());
    }

    void EndCreated(IChannelEnd end)
    {
        // Pruned as it grows, so that a run creating many channels and closing them keeps a short list.
        if (_ends.Count >= 1024 && _ends.Count % 1024 == 0)
            _ends.RemoveAll(e => e.End.IsClosed);
        _ends.Add((end, Here()));
    }

    internal void ThreadPoolWorkScheduled(int taskId)
    {
        var origin = Here();
        lock (_gate)
            _threadPoolWork[taskId] = origin;
    }

    internal void ThreadPoolWorkCompleted(int taskId)
    {
        lock (_gate)
            _threadPoolWork.Remove(taskId);
    }

    Origin Here() => new(TaskInfo.CurrentOrNull?.Name, captureStacks ? CreationStack.Capture() : null);

    /// <summary>
    /// What is left: tasks alive (but <paramref name="except"/>: the caller of an on-demand report), channel ends not
    /// closed, work still on the thread pool.
    /// </summary>
    internal IReadOnlyList<Leak> Collect(bool atEnd, TaskInfo? except = null)
    {
        var leaks = new List<Leak>();
        foreach (var task in liveTasks().Where(t => t.State != TaskState.Finished && !ReferenceEquals(t, except)).OrderBy(t => t.Id))
        {
            var origin = _taskOrigins.GetValueOrDefault(task);
            var waiting = task.WaitingOn is { } on ? $", waiting on {on}" : "";
            leaks.Add(new Leak(LeakKind.Task, $"task '{task.Name}' #{task.Id} is still alive ({task.State}{waiting})", origin.CreatedBy, origin.Stack));
        }
        foreach (var (end, origin) in _ends)
        {
            if (!end.IsClosed)
                leaks.Add(new Leak(LeakKind.ChannelEnd, $"{end} was never closed", origin.CreatedBy, origin.Stack));
        }
        lock (_gate)
        {
            foreach (var (id, origin) in _threadPoolWork.OrderBy(w => w.Key))
            {
                leaks.Add(new Leak(LeakKind.ThreadPoolWork,
                    $"Task.Run task #{id} was started outside every nursery and {(atEnd ? "had not finished when the run ended" : "has not finished")}",
                    origin.CreatedBy, origin.Stack));
            }
        }
        return leaks;
    }
}
