using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
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
public sealed partial class Loop
{
    [ThreadStatic]
    static Loop? t_current;

    readonly ReadyQueue _ready = new();
    readonly ConcurrentQueue<WorkItem> _inbox = new();
    readonly TimerHeap _timers = new();
    readonly object _idleGate = new();
    readonly int _threadId;
    readonly VirtualClock? _virtualClock;
    readonly StrategyPolicy? _policy;
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
        // Any other TimeProvider (FakeTimeProvider, a provider with an offset) keeps a time the loop cannot turn into
        // real time: an idle loop waits for one of the provider's own timers, due when the loop's next timer is.
        _wakesByClockTimer = _virtualClock is null && !ReferenceEquals(Clock, TimeProvider.System);
        // Only the system clock's reading is cached within a step (decision 0006): its time moves forward with real
        // time alone, so a cached reading is never ahead of it. Any other provider may be moved by the code of the step
        // itself (FakeTimeProvider.Advance): it is read every time, so Time.Now, sleeps and deadlines agree with it.
        _cachesClock = ReferenceEquals(Clock, TimeProvider.System);
        if (_virtualClock is null)
            _timestamps = _cachesClock ? ClockTimestamps.System : new ClockTimestamps(Clock);
        OriginTicks = FreshNowTicks;
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
        // A strategy is told of task creation, readiness and exit through the instrument hooks: first, so that it
        // knows a task before the user's instruments (and a trace recorder) see it. FIFO adds nothing.
        if (_policy is not null)
            _instruments = [_policy, .. _instruments];
        CooperativeBudget = options.CooperativeBudget;
        YieldsAtSpawn = options.YieldAtSpawn;
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

    /// <summary>Callbacks in the ready queue (for the <c>structured.loop.queue.length</c> instrument: approximate from other threads).</summary>
    internal int ReadyCount => _ready.Count;

    /// <summary>How many non-blocking operations a task runs in a row before it yields (<see cref="LoopOptions.CooperativeBudget"/>).</summary>
    internal int CooperativeBudget { get; }

    internal bool IsOnLoopThread => Environment.CurrentManagedThreadId == _threadId;

    /// <summary>
    /// Runs <paramref name="main"/> on a new loop on this thread until it and everything under it is done.
    /// </summary>
    /// <param name="main">The root task.</param>
    /// <param name="options">Clock, schedule, instruments and budget; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="main"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is already running a loop (use <c>await</c>, not a nested Run).</exception>
    /// <exception cref="AggregateException">
    /// Work that outlived <paramref name="main"/> (a nursery or scope it forgot to await) failed, or a callback the loop
    /// ran outside any task (a timer's, a cancel scope token's) threw: the errors, after main's own when it failed too.
    /// </exception>
    /// <remarks>
    /// <para>An exception from <paramref name="main"/> comes out as itself, with its stack trace.</para>
    /// <para>Returns only when everything under main is done: if main returns while a nursery or scope it opened is
    /// still running (a forgotten <c>await</c>), the loop runs that work to its end first; if it fails, the
    /// aggregate's message says "main returned before the work it started finished (a forgotten await?)" and
    /// holds the task tree as it was when main returned.</para>
    /// </remarks>
    public static void Run(Func<Task> main, LoopOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        RunCore(main, options).GetAwaiter().GetResult();
    }

    /// <summary>Runs <paramref name="main"/>, a <see cref="ValueTask"/>-returning function, on a new loop on this thread until it and everything under it is done; as <see cref="Run(Func{Task}, LoopOptions?)"/>.</summary>
    /// <param name="main">The root task.</param>
    /// <param name="options">Clock, schedule, instruments and budget; null for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="main"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is already running a loop (use <c>await</c>, not a nested Run).</exception>
    /// <exception cref="AggregateException">Work that outlived <paramref name="main"/> failed, or a callback the loop ran outside any task threw.</exception>
    [OverloadResolutionPriority(-1)]
    public static void Run(Func<ValueTask> main, LoopOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        Run(() => main().AsTask(), options);
    }

    /// <summary>Runs <paramref name="main"/> on a new loop on this thread and returns its result.</summary>
    /// <param name="main">The root task.</param>
    /// <param name="options">Clock, schedule, instruments and budget; null for the defaults.</param>
    /// <returns>The value <paramref name="main"/> returned.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="main"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is already running a loop (use <c>await</c>, not a nested Run).</exception>
    /// <exception cref="AggregateException">
    /// Work that outlived <paramref name="main"/> (a nursery or scope it forgot to await) failed, or a callback the loop
    /// ran outside any task (a timer's, a cancel scope token's) threw: the errors, after main's own when it failed too.
    /// </exception>
    /// <remarks>
    /// <para>An exception from <paramref name="main"/> comes out as itself, with its stack trace.</para>
    /// <para>Returns only when everything under main is done: if main returns while a nursery or scope it opened is
    /// still running (a forgotten <c>await</c>), the loop runs that work to its end first; if it fails, the
    /// aggregate's message says "main returned before the work it started finished (a forgotten await?)" and
    /// holds the task tree as it was when main returned.</para>
    /// </remarks>
    public static TResult Run<TResult>(Func<Task<TResult>> main, LoopOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        return ((Task<TResult>)RunCore(main, options)).GetAwaiter().GetResult();
    }

    /// <summary>Runs <paramref name="main"/>, a <see cref="ValueTask{TResult}"/>-returning function, on a new loop on this thread and returns its result; as <see cref="Run{TResult}(Func{Task{TResult}}, LoopOptions?)"/>.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="main">The root task.</param>
    /// <param name="options">Clock, schedule, instruments and budget; null for the defaults.</param>
    /// <returns>The value <paramref name="main"/> returned.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="main"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is already running a loop (use <c>await</c>, not a nested Run).</exception>
    /// <exception cref="AggregateException">Work that outlived <paramref name="main"/> failed, or a callback the loop ran outside any task threw.</exception>
    [OverloadResolutionPriority(-1)]
    public static TResult Run<TResult>(Func<ValueTask<TResult>> main, LoopOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(main);
        return Run(() => main().AsTask(), options);
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
    /// <remarks>
    /// Such a callback may run user code (a registration on a cancel scope's token, when a cross-thread cancel
    /// reaches the loop): an exception it throws is reported like a timer callback's, never fatal to the loop.
    /// </remarks>
    internal void PostInternal(Action callback)
    {
        if (!_finished)
            Enqueue(null, _runInternal ??= RunInternal, callback);
    }

    Action<object?>? _runInternal;

    void RunInternal(object? callback)
    {
        try
        {
            ((Action)callback!)();
        }
        catch (Exception e)
        {
            ReportCallbackError(e);
        }
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
            .Append(Statistics.TimersPending).Append(" timers pending, time ");
        // A virtual clock starts at zero: its time reads as it is. Any other clock's time counts from an origin of its
        // own (the machine's boot, year 1), which tells nobody anything: the tree shows the time since the loop started.
        if (_virtualClock is not null)
        {
            text.Append(TimeSpan.FromTicks(NowTicks));
        }
        else
        {
            var running = TimeSpan.FromTicks(Math.Max(0, NowTicks - OriginTicks));
            text.Append(running.ToString(running.Days > 0 ? @"d\.hh\:mm\:ss\.fff" : @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture)).Append(" since the loop started");
        }
        text.AppendLine();
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
        LoopRegistry.Add(loop);
        try
        {
            foreach (var instrument in loop._instruments)
                instrument.BeforeRun();
            var root = new TaskInfo("main", loop);
            loop._root = root;
            loop.RegisterTask(root);
            Task? mainTask = null;
            loop.Enqueue(root, _ => mainTask = loop.StartMain(main), null);
            loop.RunUntilAllDone();
            loop.TaskFinished(root);
            foreach (var instrument in loop._instruments)
                instrument.AfterRun();
            loop.ThrowBackgroundErrors(mainTask!);
            return mainTask!;
        }
        finally
        {
            loop._finished = true;
            LoopRegistry.Remove(loop, loop._callbacksRun);
            loop._virtualClock?.Detach(loop);
            loop.DisposeClockWake();
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

    /// <summary>
    /// Runs until main and everything under it is done: main returned, and no nursery or scope it opened is
    /// still running nor any task alive (a forgotten await keeps the loop going until that work ends).
    /// </summary>
    void RunUntilAllDone()
    {
        while (_crash is null)
        {
            if (_mainDone)
            {
                if (!_mainDoneSeen)
                    NoteMainDone();
                if (!WorkOutlivesMain)
                    break;
            }
            DrainInbox();
            if (_deferredCount != 0)
                FlushDeferredTimers(); // armed outside a step (by a clock callback, say)
            FireDueTimers();
            if (_ready.Count == 0)
            {
                if (!AllDone && _crash is null)
                    Idle();
                continue;
            }
            // Whether the meter measures steps, read once per batch (two instruments' Enabled, not per step): a listener
            // that starts during a batch sees the steps from the next batch on.
            bool measured = StructuredMetrics.StepsMeasured;
            for (int batch = _ready.Count; batch > 0 && _ready.Count > 0 && !AllDone && _crash is null; batch--)
                RunOne(measured);
        }
        _crash?.Throw();
    }

    void RunOne(bool measured)
    {
        int count = _ready.Count;
        var item = _policy is null || count == 1 ? _ready.Dequeue() : _ready.RemoveAt(_policy.Choose(_ready));
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
            long stepStart = measured ? StructuredMetrics.BeforeStep(Clock, item.EnqueuedAt) : StructuredMetrics.NoTimestamp;
            item.Invoke();
            StructuredMetrics.AfterStep(Clock, stepStart);
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
            EnqueueLocal(new WorkItem(task, callback, state, StructuredMetrics.EnqueueTimestamp(Clock)));
        }
        else
        {
            _inbox.Enqueue(new WorkItem(task, callback, state, StructuredMetrics.EnqueueTimestamp(Clock)));
            // After the item is in (DrainInbox clears the flag before it drains): a full fence, so that the read of
            // _sleeping below cannot move before it (the idle wait's handshake, WaitForWork).
            Interlocked.Exchange(ref _inboxPosted, 1);
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
