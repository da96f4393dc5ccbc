using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Structured.Testing;

/// <summary>
/// A deterministic loop for tests (Trio's <c>trio.testing</c>): a <see cref="Loop"/> on a
/// <see cref="VirtualClock"/> driven by a <see cref="Schedule"/>, which records a trace of every task step
/// and turns "every task blocked, nothing can wake them" into a <see cref="DeadlockException"/>.
/// </summary>
/// <example>
/// <code>
/// var trace = TestLoop.Run(async () =>
/// {
///     await Nursery.RunAsync(async n =>
///     {
///         n.StartSoon(async () => await Time.SleepAsync(TimeSpan.FromHours(1)), "sleeper");
///     });
/// }, Schedule.Random(42));   // returns at once: the clock jumps over the hour
/// </code>
/// </example>
public static class TestLoop
{
    /// <summary>
    /// Runs <paramref name="body"/> on a new loop on this thread, on a virtual clock, under
    /// <paramref name="schedule"/>, until it and everything under it is done; returns the trace of the run.
    /// </summary>
    /// <param name="body">The test's code, the loop's main task. Make it self-contained (fresh state per call) to replay it.</param>
    /// <param name="schedule">Which ready task runs next at each step. The default, null, is <see cref="Schedule.Fifo"/>.</param>
    /// <param name="clock">
    /// The clock. The default, null, is a new <see cref="VirtualClock"/> with <see cref="VirtualClock.AutojumpThreshold"/>
    /// zero: time jumps to the next timer as soon as every task is blocked, so sleeps take no real time.
    /// Pass <c>new VirtualClock()</c> to move time only with <see cref="VirtualClock.Advance"/>.
    /// </param>
    /// <returns>Every task step in the order the loop ran them, and the choices the schedule made.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is already running a loop (call it from a test thread, not from inside a loop).</exception>
    /// <exception cref="DeadlockException">Every task blocked with no timer pending and nothing outside that could wake them.</exception>
    /// <remarks>The body's failure comes out as itself, with its stack trace (not wrapped); the choices of the run are left on it
    /// (<see cref="ReplayOf(Exception)"/>, and the replay line in <see cref="Exception.Data"/> under "Structured.Testing.Replay").</remarks>
    public static RunTrace Run(Func<Task> body, Schedule? schedule = null, VirtualClock? clock = null)
    {
        var (trace, error) = RunCore(body, schedule, clock);
        ThrowKeepingChoices(error, trace);
        return trace;
    }

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask"/>-returning function, on a deterministic loop; as <see cref="Run(Func{Task}, Schedule?, VirtualClock?)"/>.</summary>
    /// <param name="body">The test's code, the loop's main task.</param>
    /// <param name="schedule">Which ready task runs next at each step; null for <see cref="Schedule.Fifo"/>.</param>
    /// <param name="clock">The clock; null for a new autojump <see cref="VirtualClock"/>.</param>
    /// <returns>Every task step in the order the loop ran them, and the choices the schedule made.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is already running a loop.</exception>
    /// <exception cref="DeadlockException">Every task blocked with no timer pending and nothing outside that could wake them.</exception>
    [OverloadResolutionPriority(-1)]
    public static RunTrace Run(Func<ValueTask> body, Schedule? schedule = null, VirtualClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Run(() => body().AsTask(), schedule, clock);
    }

    /// <summary>Data key of the replay line a failed <c>Run</c> puts on the exception it rethrows.</summary>
    internal const string ReplayKey = "Structured.Testing.Replay";

    /// <summary>Data key of the choices (an <c>int[]</c>) a failed <c>Run</c> puts on the exception it rethrows.</summary>
    internal const string ChoicesKey = "Structured.Testing.Choices";

    /// <summary>
    /// The schedule that replays the failed run <paramref name="error"/> came from: <c>Run</c> records the choices of
    /// every run (a <see cref="Schedule.Random(int)"/> one too) and leaves them on the exception it rethrows, so a
    /// failure found by a seed is replayable and shrinkable as an explicit list.
    /// </summary>
    /// <param name="error">An exception thrown by <see cref="Run(Func{Task}, Schedule?, VirtualClock?)"/> or <see cref="Run(Func{Task}, TestLoopOptions)"/>.</param>
    /// <returns>The <see cref="Schedule.FromChoices"/> schedule of that run, or null when the exception did not come out of a run.
    /// A run with <see cref="TestLoopOptions.YieldAtSpawn"/> or <see cref="TestLoopOptions.YieldAtEveryOperation"/> replays with
    /// the same options set (the replay line in <see cref="Exception.Data"/> sets them).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="error"/> is null.</exception>
    public static Schedule? ReplayOf(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.Data[ChoicesKey] is int[] choices)
            return Schedule.FromChoices(choices);
        return error is DeadlockException { Trace: { } trace } ? trace.Replay : null;
    }

    static void ThrowKeepingChoices(ExceptionDispatchInfo? error, RunTrace trace, TestLoopOptions? options = null)
    {
        if (error is null)
            return;
        try
        {
            var choices = ChoiceLists.Trim(trace.Choices);
            error.SourceException.Data[ChoicesKey] = choices;
            error.SourceException.Data[ReplayKey] = ChoiceLists.ReplayLine(choices, options?.YieldAtSpawn ?? false, options?.YieldAtEveryOperation ?? false);
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException)
        {
            // A read-only or picky Data dictionary (a user's exception type may override it): the failure still comes out.
        }
        error.Throw();
    }

    /// <summary>
    /// Runs <paramref name="body"/> as <see cref="Run(Func{Task}, Schedule?, VirtualClock?)"/> does, with the schedule and
    /// clock of <paramref name="options"/>, and checks at the end what the test left behind (<see cref="TestLoopOptions.Leaks"/>):
    /// channel ends never closed, and work it started with <c>Task.Run</c> outside every nursery that had not finished.
    /// </summary>
    /// <param name="body">The test's code, the loop's main task.</param>
    /// <param name="options">Schedule, clock and leak check.</param>
    /// <returns>The trace of the run; its <see cref="RunTrace.Leaks"/> lists the leaks when they are tracked.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is already running a loop (call it from a test thread, not from inside a loop).</exception>
    /// <exception cref="DeadlockException">Every task blocked with no timer pending and nothing outside that could wake them.</exception>
    /// <exception cref="LeakException">With <see cref="LeakCheck.Fail"/>: the run succeeded but left something behind; the message lists every leak and the fix.</exception>
    /// <remarks>
    /// <para>The body's failure comes out as itself, and wins over leaks (a failed test leaves things open for that reason).</para>
    /// <para>Tasks of Structured cannot leak past the end of a run (the loop waits for every one of them); during the run,
    /// <see cref="FindLeaks"/> lists those still alive too. <c>Task.Run</c> is seen when called on the loop's thread; an
    /// async lambda counts as finished at its first await, work queued with <c>ThreadPool</c> or a <c>Thread</c> is not seen,
    /// and fire-and-forget work that happens to finish before the run ends is not reported.</para>
    /// </remarks>
    public static RunTrace Run(Func<Task> body, TestLoopOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (trace, error) = RunCore(body, options);
        ThrowKeepingChoices(error, trace, options);
        return trace;
    }

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask"/>-returning function, with <paramref name="options"/>; as <see cref="Run(Func{Task}, TestLoopOptions)"/>.</summary>
    /// <param name="body">The test's code, the loop's main task.</param>
    /// <param name="options">Schedule, clock and leak check.</param>
    /// <returns>The trace of the run.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="InvalidOperationException">This thread is already running a loop.</exception>
    /// <exception cref="DeadlockException">Every task blocked with no timer pending and nothing outside that could wake them.</exception>
    /// <exception cref="LeakException">With <see cref="LeakCheck.Fail"/>: the run succeeded but left something behind.</exception>
    [OverloadResolutionPriority(-1)]
    public static RunTrace Run(Func<ValueTask> body, TestLoopOptions options)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Run(() => body().AsTask(), options);
    }

    /// <summary>
    /// What the running test would leave behind if it ended now: every task alive but the caller, every channel end not
    /// closed, the work it started with <c>Task.Run</c> that has not finished. For a test that wants to assert on it
    /// (<c>Assert.Empty(TestLoop.FindLeaks())</c>) before its end.
    /// </summary>
    /// <returns>The leaks, tasks first, then channel ends, then thread-pool work, each in creation order.</returns>
    /// <exception cref="InvalidOperationException">
    /// The caller is not on the thread of a test loop run with <see cref="TestLoopOptions.Leaks"/> set (Report or Fail).
    /// </exception>
    public static IReadOnlyList<Leak> FindLeaks()
    {
        if (LeakTracker.Current is not { } tracker || Loop.Current is null)
            throw new InvalidOperationException("TestLoop.FindLeaks must be called inside a TestLoop.Run(body, new TestLoopOptions { Leaks = LeakCheck.Report }) (or LeakCheck.Fail), on the loop's thread: other runs track no leaks.");
        return tracker.Collect(atEnd: false, except: TaskInfo.CurrentOrNull);
    }

    /// <summary>Runs like <see cref="Run(Func{Task}, Schedule?, VirtualClock?)"/> but returns the failure instead of throwing it.</summary>
    internal static (RunTrace Trace, ExceptionDispatchInfo? Error) RunCore(Func<Task> body, Schedule? schedule, VirtualClock? clock)
        => RunCore(body, new TestLoopOptions { Schedule = schedule, Clock = clock });

    /// <summary>Runs like <see cref="Run(Func{Task}, TestLoopOptions)"/> but returns the failure instead of throwing it.</summary>
    internal static (RunTrace Trace, ExceptionDispatchInfo? Error) RunCore(Func<Task> body, TestLoopOptions runOptions)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (Loop.Current is not null)
            throw new InvalidOperationException("TestLoop.Run was called on a thread that is already running a loop. Call it from the test's own thread, or await the code directly inside the running loop.");
        if (!Enum.IsDefined(runOptions.Leaks))
            throw new ArgumentOutOfRangeException(nameof(runOptions), runOptions.Leaks, "TestLoopOptions.Leaks must be LeakCheck.Off, Report or Fail.");
        var schedule = runOptions.Schedule ?? Schedule.Fifo;
        var clock = runOptions.Clock ?? new VirtualClock { AutojumpThreshold = TimeSpan.Zero };
        if (runOptions.MaxSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(runOptions), runOptions.MaxSteps, "TestLoopOptions.MaxSteps must be at least 1 (null for no bound).");
        var recorder = new TraceRecorder(clock, schedule) { MaxSteps = runOptions.MaxSteps };
        var tracker = runOptions.Leaks == LeakCheck.Off ? null : new LeakTracker(runOptions.CaptureCreationStacks, () => recorder.LiveTasks);
        recorder.Leaks = tracker;
        var options = new LoopOptions
        {
            Clock = clock,
            Schedule = new RecordingSchedule(schedule, recorder),
            Instruments = [recorder],
            DeadlockFactory = recorder.MakeDeadlock,
            YieldAtSpawn = runOptions.YieldAtSpawn,
            // Budget 1: every operation that completes without blocking yields after it (Blocking.CompletedWithoutBlocking).
            CooperativeBudget = runOptions.YieldAtEveryOperation ? 1 : LoopOptions.DefaultCooperativeBudget,
        };
        ExceptionDispatchInfo? error = null;
        tracker?.Attach();
        try
        {
            Loop.Run(async () =>
            {
                tracker?.LoopStarted(Loop.Current!);
                var task = body() ?? throw new InvalidOperationException("TestLoop.Run: the body returned a null Task; return the Task of an async method.");
                recorder.MainBody = task;
                try
                {
                    await task;
                }
                catch (Exception e)
                {
                    recorder.MainEnded(e);
                    throw;
                }
                recorder.MainEnded(null);
            }, options);
        }
        catch (Exception e)
        {
            error = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            tracker?.Detach();
        }
        var trace = recorder.ToTrace();
        if (tracker is not null)
        {
            trace.Leaks = tracker.Collect(atEnd: true);
            if (error is null && runOptions.Leaks == LeakCheck.Fail && trace.Leaks.Count > 0)
                error = ExceptionDispatchInfo.Capture(new LeakException(trace.Leaks, trace));
        }
        return (trace, error);
    }

    /// <summary>
    /// Waits until every other task of the loop is blocked (Trio's <c>wait_all_tasks_blocked</c>): nothing is
    /// ready to run, and then <paramref name="cushion"/> of real time passed with nothing becoming ready.
    /// Tasks waiting with the same cushion wake together; the smallest cushion wakes first.
    /// </summary>
    /// <param name="cushion">Real time the loop must stay idle. The default is zero: as soon as it is idle.</param>
    /// <remarks>
    /// Timers that are already due (for example after <see cref="VirtualClock.Advance"/>) run their tasks
    /// first. Waiters wake before an autojump clock jumps: the clock moves only when nobody waits here.
    /// A cancel point: the wait ends with <see cref="Cancelled"/> when the code is cancelled.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cushion"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The caller is not a task on a loop's thread.</exception>
    /// <exception cref="Cancelled">The code is cancelled.</exception>
    public static ValueTask WaitAllTasksBlockedAsync(TimeSpan cushion = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cushion, TimeSpan.Zero);
        var task = TaskInfo.CurrentOrNull;
        if (task?.Loop is not { } loop || !loop.IsOnLoopThread)
            throw new InvalidOperationException("TestLoop.WaitAllTasksBlockedAsync must be awaited by a task on a loop (inside TestLoop.Run or Loop.Run); off the loop nobody knows when all tasks are blocked.");
        Blocking.ThrowIfCancelled(task);
        var parker = task.RentParker();
        var wait = parker.Park(IdleWaiter.Instance);
        loop.AddIdleWaiter(parker, cushion);
        Blocking.RegisterWithScope(task, parker);
        return wait;
    }
}
