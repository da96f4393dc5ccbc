using System.Runtime.ExceptionServices;

namespace Structured.Tests;

/// <summary>
/// Runs scenarios on a fresh thread with a real-time watchdog, so that a hang fails one test instead of
/// the run. Shared by every test project (linked, not referenced).
/// </summary>
internal static class LoopHarness
{
    /// <summary>
    /// The hang guard of every test that waits in real time: long enough that it never fires on a correct run, even on a
    /// machine loaded many times over (CI never retries), so it only turns a hang into a failure. Not a margin: a test
    /// never asserts that something was fast; it asserts an order, or runs on a virtual clock.
    /// </summary>
    internal static readonly TimeSpan Watchdog = TimeSpan.FromMinutes(5);

    internal static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    /// <summary>A virtual clock that jumps to the next timer as soon as every task is blocked.</summary>
    internal static VirtualClock AutoClock() => new() { AutojumpThreshold = TimeSpan.Zero };

    /// <summary>Loop.Run on a fresh thread with a virtual autojump clock (or the given options).</summary>
    internal static void Run(Func<Task> main, LoopOptions? options = null)
        => OnFreshThread(() => { Loop.Run(main, options ?? new LoopOptions { Clock = AutoClock() }); return 0; });

    internal static T Run<T>(Func<Task<T>> main, LoopOptions? options = null)
        => OnFreshThread(() => Loop.Run(main, options ?? new LoopOptions { Clock = AutoClock() }));

    /// <summary>Runs <paramref name="body"/> on the thread pool (off the loop) with a watchdog.</summary>
    internal static void OffLoop(Func<Task> body)
    {
        var task = Task.Run(body);
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(Watchdog))
            throw new TimeoutException($"off-loop scenario did not finish within {Watchdog} of real time (hang or deadlock)");
        task.GetAwaiter().GetResult();
    }

    internal static T OnFreshThread<T>(Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try { result = body(); }
            catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
        }, 64 * 1024 * 1024) { IsBackground = true, Name = "test-loop" };
        thread.Start();
        if (!thread.Join(Watchdog))
            throw new TimeoutException($"Loop.Run did not return within {Watchdog} of real time (hang or deadlock)");
        error?.Throw();
        return result;
    }

    /// <summary>Awaits <paramref name="body"/> and returns what it threw, or null.</summary>
    internal static async Task<Exception?> Catch(Func<Task> body)
    {
        try { await body(); return null; }
        catch (Exception e) { return e; }
    }
}
