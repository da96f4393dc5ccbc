using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text;

namespace Structured;

/// <summary>
/// A single-threaded event loop (Trio's <c>trio.run</c>): a ready queue, a timer heap, a clock and a
/// thread-safe inbox. Code between awaits never races with other tasks on the same loop.
/// </summary>
/// <remarks>
/// <para>Start one with <see cref="Run(Func{Task}, LoopOptions?)"/>: it runs on the calling thread until
/// <c>main</c> and everything under it is done. Awaits inside the loop resume on the loop thread; the loop
/// is the <see cref="SynchronizationContext"/> of its tasks and offers a <see cref="Scheduler"/>.</para>
/// <para>Deterministic when the clock is a <see cref="VirtualClock"/> and no other thread posts in: the same
/// schedule gives the same run, step for step.</para>
/// </remarks>
/// <example>
/// <code>
/// int answer = Loop.Run(async () =>
/// {
///     await Time.SleepAsync(TimeSpan.FromSeconds(1));
///     return 42;
/// });
/// </code>
/// </example>
[DebuggerDisplay("Loop: {Statistics}")]

public sealed class Loop
{
    [ThreadStatic]
    static Loop? t_current;

    readonly ReadyQueue _ready = new();
    readonly ConcurrentQueue<WorkItem> _inbox = new();
    readonly TimerHeap _timers = new();
    readonly object _idleGate = new();
    readonly int _threadId;
    readonly VirtualClock? _virtualClock;
    readonly SchedulePolicy _policy;
    readonly IInstrument[] _instruments;
    readonly LoopSynchronizationContext _rootContext;
    readonly Func<Loop, Exception>? _deadlockFactory;
    readonly List<(Parker Parker, TimeSpan Cushion)> _idleWaiters = [];
    readonly int? _seed;
    int _sleeping;
    bool _wakeRequested;
    volatile bool _mainDone;
    ExceptionDispatchInfo? _crash;
    SynchronizationContext? _installedContext;
    TaskInfo? _root;
    int _tasksAlive, _tasksRunnable;
    long _callbacksRun;
    int _pendingExternal;

    Loop(LoopOptions options)
    {
        _threadId = Environment.CurrentManagedThreadId;
        Clock = options.Clock ?? TimeProvider.System;
        _virtualClock = Clock as VirtualClock;
        if (options.Seed is int seed && options.Schedule is not null)
            throw new ArgumentException("LoopOptions: set either Seed or Schedule, not both (Seed is shorthand for Schedule.Random(seed)).", nameof(options));
        var schedule = options.Schedule ?? (options.Seed is int s ? Schedule.Random(s) : Schedule.Fifo);
        _policy = schedule.CreatePolicy();
        _seed = schedule.Seed;
        _instruments = [.. options.Instruments ?? []];
        foreach (var instrument in _instruments)
        {
            if (instrument is null)
                throw new ArgumentException("LoopOptions.Instruments holds a null instrument; remove it.", nameof(options));
        }
        CooperativeBudget = options.CooperativeBudget;
        _deadlockFactory = options.DeadlockFactory;
        _rootContext = new LoopSynchronizationContext(this);
        Scheduler = new LoopTaskScheduler(this);
    }

    /// <summary>The loop running on this thread, or null when this thread runs none.</summary>
    public static Loop? Current => t_current;

    /// <summary>
    /// The loop's clock, the very instance given in <see cref="LoopOptions.Clock"/> (default
    /// <see cref="TimeProvider.System"/>). <c>Task.Delay(t, loop.Clock)</c> and
    /// <c>new CancellationTokenSource(t, loop.Clock)</c> run on loop time.
    /// </summary>
    public TimeProvider Clock { get; }

    /// <summary>A <see cref="TaskScheduler"/> that runs work on this loop's thread, through its ready queue.</summary>
    public TaskScheduler Scheduler { get; }

    /// <summary>A snapshot of the loop's counters. Exact on the loop thread, approximate from other threads.</summary>
    public LoopStatistics Statistics
        => new(_tasksAlive, _tasksRunnable, _timers.Count + _deferredCount + (_virtualClock?.TimersPending ?? 0), Interlocked.Read(ref _callbacksRun), _seed);

    /// <summary>How many non-blocking operations a task runs in a row before it yields (<see cref="LoopOptions.CooperativeBudget"/>).</summary>
    internal int CooperativeBudget { get; }

    internal bool IsOnLoopThread => Environment.CurrentManagedThreadId == _threadId;

    /// <summary>
    /// The loop time in TimeSpan ticks, as the library reads it for deadlines and sleeps. Reading a real clock
    /// costs 100 ns and more on some machines (a system call under a sandbox), so on the loop thread the value
    /// is cached for the rest of the current step and at most <see cref="CachedClockReads"/> reads, as libuv
    /// caches its loop time per iteration. Virtual clocks are read every time.
    /// </summary>
    internal long NowTicks
    {
        get
        {
            if (_virtualClock is { } clock)
                return clock.NowTicks;
            if (_cachedClockReadsLeft > 0 && Environment.CurrentManagedThreadId == _threadId)
            {
                _cachedClockReadsLeft--;
                return _cachedNowTicks;
            }
            return FreshNowTicks;
        }
    }

    /// <summary>The loop time read from the clock now (and cached for the rest of the step on the loop thread).</summary>
    internal long FreshNowTicks
    {
        get
        {
            if (_virtualClock is { } clock)
                return clock.NowTicks;
            long now = Clock.GetElapsedTime(0, Clock.GetTimestamp()).Ticks;
            if (Environment.CurrentManagedThreadId == _threadId)
            {
                _cachedNowTicks = now;
                _cachedClockReadsLeft = CachedClockReads;
            }
            return now;
        }
    }

    /// <summary>How many reads of <see cref="NowTicks"/> one real clock reading serves, within one step.</summary>
    internal const int CachedClockReads = 1024;

    long _cachedNowTicks;
    int _cachedClockReadsLeft;

    /// <summary>
    /// Runs <paramref name="main"/> on a new loop on this thread until it and everything under it is done.
    /// </summary>
    /// <param name="main">The root task.</param>
    /// <param name="options">Clock, schedule, instruments and budget; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="main"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is already running a loop (use <c>await</c>, not a nested Run).</exception>
    /// <remarks>An exception from <paramref name="main"/> comes out as itself, with its stack trace.</remarks>
    public static void Run(Func<Task> main, LoopOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        RunCore(main, options).GetAwaiter().GetResult();
    }

    /// <summary>Runs <paramref name="main"/> on a new loop on this thread and returns its result.</summary>
    /// <param name="main">The root task.</param>
    /// <param name="options">Clock, schedule, instruments and budget; null for the defaults.</param>
    /// <returns>The value <paramref name="main"/> returned.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="main"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is already running a loop (use <c>await</c>, not a nested Run).</exception>
    /// <remarks>An exception from <paramref name="main"/> comes out as itself, with its stack trace.</remarks>
    public static TResult Run<TResult>(Func<Task<TResult>> main, LoopOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        return ((Task<TResult>)RunCore(main, options)).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Runs <paramref name="callback"/> on the loop thread soon, after the callbacks already queued
    /// (Trio's <c>TrioToken.run_sync_soon</c>). Safe from any thread; never runs the callback inline.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The loop has finished: the callback could never run.</exception>
    /// <remarks>An exception thrown by the callback ends <see cref="Run(Func{Task}, LoopOptions?)"/> with it.</remarks>
    public void Post(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (_finished)
            throw new InvalidOperationException("Loop.Post: this loop has finished (its Loop.Run returned), so the callback would never run. Post to a loop that is running.");
        Enqueue(null, static s => ((Action)s!)(), callback);
    }

    // Set once Run has returned: a post after that would be lost silently (Trio's RunFinishedError).
    volatile bool _finished;

    /// <summary>
    /// <see cref="Post"/> for the library's own bookkeeping (a cross-thread cancel, a token callback): after the loop
    /// has finished there is nothing left to update, so the callback is dropped rather than thrown at the caller.
    /// </summary>
    internal void PostInternal(Action callback)
    {
        if (!_finished)
            Enqueue(null, static s => ((Action)s!)(), callback);
    }

    /// <summary>
    /// A text tree of the live tasks: the main task, its nurseries with their cancel scopes (deadline,
    /// shield, cancelled), their tasks with names and states, and what each blocked task waits on.
    /// </summary>
    /// <remarks>Exact on the loop thread; from another thread a best-effort snapshot.</remarks>
    public string DumpTaskTree()
    {
        var text = new StringBuilder();
        text.Append("loop: ").Append(_tasksAlive).Append(" tasks alive, ").Append(_tasksRunnable).Append(" runnable, ")
            .Append(Statistics.TimersPending).Append(" timers pending, time ").Append(TimeSpan.FromTicks(NowTicks)).AppendLine();
        _root?.Describe(text, "  ");
        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => $"Loop (thread {_threadId}, {_tasksAlive} tasks alive)";

    static Task RunCore(Func<Task> main, LoopOptions? options)
    {
        if (t_current is not null)
            throw new InvalidOperationException("Loop.Run was called on a thread that is already running a loop. Await the work inside the running loop instead, or run the second loop on a thread of its own.");
        var loop = new Loop(options ?? new LoopOptions());
        var previousContext = SynchronizationContext.Current;
        t_current = loop;
        loop._virtualClock?.Attach(loop);
        try
        {
            foreach (var instrument in loop._instruments)
                instrument.BeforeRun();
            var root = new TaskInfo("main", loop);
            loop._root = root;
            loop.RegisterTask(root);
            Task? mainTask = null;
            loop.Enqueue(root, _ => mainTask = loop.StartMain(main), null);
            loop.RunUntilMainDone();
            loop.TaskFinished(root);
            foreach (var instrument in loop._instruments)
                instrument.AfterRun();
            return mainTask!;
        }
        finally
        {
            loop._finished = true;
            loop._virtualClock?.Detach(loop);
            t_current = null;
            SynchronizationContext.SetSynchronizationContext(previousContext);
        }
    }

    Task StartMain(Func<Task> main)
    {
        Task task;
        try
        {
            task = main() ?? throw new InvalidOperationException("Loop.Run: main returned a null Task; return the Task of an async method.");
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }
        // Captures the main task's context, so the continuation runs inline when main ends on the loop.
        task.GetAwaiter().UnsafeOnCompleted(() =>
        {
            _mainDone = true;
            WakeFromOtherThread();
        });
        return task;
    }

    void RunUntilMainDone()
    {
        while (!_mainDone && _crash is null)
        {
            DrainInbox();
            if (_deferredCount != 0)
                FlushDeferredTimers(); // armed outside a step (by a clock callback, say)
            FireDueTimers();
            if (_ready.Count == 0)
            {
                if (!_mainDone && _crash is null)
                    Idle();
                continue;
            }
            for (int batch = _ready.Count; batch > 0 && _ready.Count > 0 && !_mainDone && _crash is null; batch--)
                RunOne();
        }
        _crash?.Throw();
    }

    void RunOne()
    {
        int count = _ready.Count;
        var item = _policy.IsFifo || count == 1 ? _ready.Dequeue() : _ready.RemoveAt(_policy.Choose(count));
        var task = item.Task;
        SynchronizationContext context = _rootContext;
        if (task is not null)
        {
            if (task.State == TaskState.Runnable)
                _tasksRunnable--;
            task.State = TaskState.Running;
            context = (SynchronizationContext?)task.Context ?? _rootContext;
        }
        if (!ReferenceEquals(context, _installedContext))
        {
            SynchronizationContext.SetSynchronizationContext(context);
            _installedContext = context;
        }
        _callbacksRun++;
        _cachedClockReadsLeft = 0; // a new step reads the clock afresh
        try
        {
            if (task is not null && _instruments.Length != 0)
            {
                foreach (var instrument in _instruments)
                    instrument.BeforeTaskStep(task);
            }
            item.Invoke();
            if (_deferredCount != 0)
                FlushDeferredTimers();
            if (task is not null)
            {
                if (task.State == TaskState.Running)
                    task.State = TaskState.Blocked;
                if (_instruments.Length != 0)
                {
                    foreach (var instrument in _instruments)
                        instrument.AfterTaskStep(task);
                }
            }
        }
        catch (Exception e)
        {
            _crash ??= ExceptionDispatchInfo.Capture(e);
        }
    }

    /// <summary>Queues a callback of <paramref name="task"/> (null: of the loop itself). Safe from any thread.</summary>
    internal void Enqueue(TaskInfo? task, Action<object?> callback, object? state) => EnqueueCallback(task, callback, state);

    /// <summary>Queues an <see cref="Action{T}"/> of object or a <see cref="SendOrPostCallback"/>. Safe from any thread.</summary>
    internal void EnqueueCallback(TaskInfo? task, object callback, object? state)
    {
        if (Environment.CurrentManagedThreadId == _threadId)
        {
            EnqueueLocal(new WorkItem(task, callback, state));
        }
        else
        {
            _inbox.Enqueue(new WorkItem(task, callback, state));
            if (Volatile.Read(ref _sleeping) == 1)
                WakeFromOtherThread();
        }
    }

    void EnqueueLocal(in WorkItem item)
    {
        _ready.Enqueue(item);
        var task = item.Task;
        if (task is not null && task.State != TaskState.Runnable)
        {
            task.State = TaskState.Runnable;
            _tasksRunnable++;
            if (_instruments.Length != 0)
            {
                foreach (var instrument in _instruments)
                    instrument.TaskScheduled(task);
            }
        }
    }

    /// <summary>Runs a callback synchronously on the loop: inline on the loop thread, else posted and waited for.</summary>
    internal void Send(TaskInfo? task, SendOrPostCallback callback, object? state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (IsOnLoopThread)
        {
            callback(state);
            return;
        }
        using var done = new ManualResetEventSlim();
        ExceptionDispatchInfo? error = null;
        EnqueueCallback(task, (Action<object?>)(_ =>
        {
            try { callback(state); }
            catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
            finally { done.Set(); }
        }), null);
        done.Wait();
        error?.Throw();
    }

    void DrainInbox()
    {
        while (_inbox.TryDequeue(out var item))
            EnqueueLocal(item);
    }

    void FireDueTimers()
    {
        if (_timers.Count == 0)
            return;
        long now = FreshNowTicks;
        while (_timers.PopDue(now) is { } timer)
            timer.Fire();
    }

    internal void AddTimer(ILoopTimer timer, long dueTicks)
    {
        Debug.Assert(IsOnLoopThread);
        _timers.Add(timer, dueTicks);
    }

    internal void RemoveTimer(ILoopTimer timer)
    {
        Debug.Assert(IsOnLoopThread);
        ref var slot = ref timer.Slot;
        if (slot.HeapPosition >= 0)
        {
            _timers.Remove(timer);
            return;
        }
        int index = -slot.HeapPosition - 1;
        var last = _deferredTimers[--_deferredCount];
        _deferredTimers[index] = last;
        last.Slot.HeapPosition = -(index + 1);
        _deferredTimers[_deferredCount] = null!;
        slot.HeapPosition = 0;
    }

    /// <summary>
    /// Arms a timer at the end of the current step rather than now. A cancel scope entered and left within
    /// one step (the common case, workload W4) then never touches the heap; the timer keeps the arming order
    /// it had when armed, and timers are only looked at between steps, so nothing else changes.
    /// </summary>
    internal void AddTimerDeferred(ILoopTimer timer, long dueTicks)
    {
        Debug.Assert(IsOnLoopThread);
        RemoveTimer(timer);
        ref var slot = ref timer.Slot;
        slot.DueTicks = dueTicks;
        slot.Sequence = _timers.NextSequence();
        if (_deferredCount == _deferredTimers.Length)
            Array.Resize(ref _deferredTimers, _deferredTimers.Length * 2);
        _deferredTimers[_deferredCount] = timer;
        slot.HeapPosition = -(++_deferredCount);
    }

    void FlushDeferredTimers()
    {
        for (int i = 0; i < _deferredCount; i++)
        {
            var timer = _deferredTimers[i];
            _deferredTimers[i] = null!;
            timer.Slot.HeapPosition = 0;
            _timers.Insert(timer);
        }
        _deferredCount = 0;
    }

    ILoopTimer[] _deferredTimers = new ILoopTimer[8];
    int _deferredCount;

    void Idle()
    {
        long now = FreshNowTicks;
        long? next = _timers.NextDueTicks;
        if (_virtualClock?.NextTimerDueTicks is long clockDue && (next is null || clockDue < next))
            next = clockDue;
        if (_idleWaiters.Count > 0)
        {
            // Trio's rule: idle waiters wake first, unless a timer is due within their smallest cushion and
            // will fire without outside help (a real clock, a running or autojumping virtual clock).
            bool timerFirst = next is long soon && soon - now <= _idleWaiters.Min(w => w.Cushion).Ticks
                && (_virtualClock is null || _virtualClock.AutojumpEnabled || _virtualClock.Rate > 0);
            if (!timerFirst)
            {
                WakeIdleWaiters();
                return;
            }
        }

        TimeSpan timeout;
        if (_virtualClock is { } clock)
        {
            if (clock.AutojumpEnabled && next is long due)
            {
                var threshold = clock.AutojumpThreshold;
                if (threshold > TimeSpan.Zero && WaitForWork(threshold))
                    return;
                clock.AdvanceTo(due);
                return;
            }
            timeout = clock.Rate > 0 && next is long d
                ? TimeSpan.FromTicks((long)(Math.Max(0, d - now) / clock.Rate))
                : Timeout.InfiniteTimeSpan;
            if (next is null && _deadlockFactory is not null && Volatile.Read(ref _pendingExternal) == 0 && _inbox.IsEmpty)
                throw _deadlockFactory(this);
        }
        else
        {
            timeout = next is long due ? TimeSpan.FromTicks(Math.Max(0, due - now)) : Timeout.InfiniteTimeSpan;
        }

        foreach (var instrument in _instruments)
            instrument.BeforeIdle(timeout);
        WaitForWork(timeout);
        foreach (var instrument in _instruments)
            instrument.AfterIdle(timeout);
    }

    /// <summary>Waits up to <paramref name="timeout"/> of real time for a post or a wake-up; true when one came.</summary>
    bool WaitForWork(TimeSpan timeout)
    {
        if (timeout != Timeout.InfiniteTimeSpan && timeout < TimeSpan.FromMilliseconds(1))
            return !_inbox.IsEmpty;
        lock (_idleGate)
        {
            Interlocked.Exchange(ref _sleeping, 1);
            bool woken = _wakeRequested || !_inbox.IsEmpty || Monitor.Wait(_idleGate, timeout);
            woken |= _wakeRequested;
            _wakeRequested = false;
            Volatile.Write(ref _sleeping, 0);
            return woken || !_inbox.IsEmpty;
        }
    }

    /// <summary>Wakes the loop if it waits for work: after a post from another thread, a clock change, main finishing.</summary>
    internal void WakeFromOtherThread()
    {
        lock (_idleGate)
        {
            _wakeRequested = true;
            Monitor.Pulse(_idleGate);
        }
    }

    /// <summary>Parks <paramref name="parker"/> until every task is blocked and <paramref name="cushion"/> of real time passed (Trio's <c>wait_all_tasks_blocked</c>).</summary>
    internal void AddIdleWaiter(Parker parker, TimeSpan cushion)
    {
        Debug.Assert(IsOnLoopThread);
        _idleWaiters.Add((parker, cushion));
    }

    internal void RemoveIdleWaiter(Parker parker)
        => _idleWaiters.RemoveAll(w => ReferenceEquals(w.Parker, parker));

    void WakeIdleWaiters()
    {
        var cushion = _idleWaiters.Min(w => w.Cushion);
        if (cushion > TimeSpan.Zero && WaitForWork(cushion))
            return;
        var waking = _idleWaiters.Where(w => w.Cushion == cushion).ToList();
        _idleWaiters.RemoveAll(w => w.Cushion == cushion);
        foreach (var (parker, _) in waking)
            parker.TryWake();
    }

    /// <summary>Counts work on other threads that will post back (a ToThread call): the loop is not deadlocked while it runs.</summary>
    internal void BeginExternalWork() => Interlocked.Increment(ref _pendingExternal);

    internal void EndExternalWork()
    {
        Interlocked.Decrement(ref _pendingExternal);
        WakeFromOtherThread();
    }

    internal void RegisterTask(TaskInfo task)
    {
        Debug.Assert(IsOnLoopThread);
        _tasksAlive++;
        foreach (var instrument in _instruments)
            instrument.TaskSpawned(task);
    }

    internal void TaskFinished(TaskInfo task)
    {
        Debug.Assert(IsOnLoopThread);
        if (task.State == TaskState.Runnable)
            _tasksRunnable--;
        task.State = TaskState.Finished;
        _tasksAlive--;
        foreach (var instrument in _instruments)
            instrument.TaskExited(task);
    }

    internal void OnTaskBlocked(TaskInfo task)
    {
        if (task.State == TaskState.Runnable)
            _tasksRunnable--;
        task.State = TaskState.Blocked;
    }
}
