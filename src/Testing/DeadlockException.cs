namespace Structured.Testing;

/// <summary>
/// Thrown out of <see cref="TestLoop.Run(Func{Task}, Schedule?, VirtualClock?)"/> when every task is blocked and nothing can wake any of them:
/// no timer is pending, no other thread will post in, no outside work (such as a <c>ToThread</c> call)
/// is running. Its message and <see cref="BlockedTasks"/> say which task waits on what; <see cref="TaskTree"/>
/// is the loop's task tree at that moment.
/// </summary>
/// <remarks>
/// A plain <c>Loop.Run</c> would wait forever instead (another thread might post); only a test loop, on a
/// virtual clock that nothing else drives, knows that nothing can come. Awaiting a foreign
/// <see cref="Task"/> that another thread completes (not through <c>ToThread.RunAsync</c>) looks the same
/// to the loop: then the message begins with "Escape from the test loop" and <see cref="Escapes"/> names what
/// the task awaits (<c>Task.Delay</c>, <c>Task.Run</c>, <c>ConfigureAwait(false)</c>) and the fix.
/// </remarks>
public sealed class DeadlockException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public DeadlockException()
        : this("Deadlock: every task is blocked and nothing can wake any of them.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public DeadlockException(string message)
        : base(message)
    {
        TaskTree = "";
        BlockedTasks = [];
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    public DeadlockException(string message, Exception innerException)
        : base(message, innerException)
    {
        TaskTree = "";
        BlockedTasks = [];
    }

    internal DeadlockException(string message, string taskTree, IReadOnlyList<string> blockedTasks, IReadOnlyList<string> escapes, RunTrace trace)
        : base(message)
    {
        TaskTree = taskTree;
        BlockedTasks = blockedTasks;
        Escapes = escapes;
        Trace = trace;
    }

    /// <summary>
    /// One line per task that is blocked in no Structured primitive, naming what it awaits outside the loop and the
    /// fix: <c>'poller' is not blocked in any Structured primitive: it awaits Task.Delay (...). Fix: use Time.SleepAsync ...</c>.
    /// Such a run is not a deadlock of the program but an escape from the test loop (<c>Task.Delay</c>, <c>Task.Run</c>,
    /// <c>ConfigureAwait(false)</c>, a Task another thread completes). Empty for a true deadlock.
    /// </summary>
    public IReadOnlyList<string> Escapes { get; } = [];

    /// <summary>The loop's task tree when the deadlock was found (<see cref="Loop.DumpTaskTree"/>): nurseries, scopes, tasks and what each waits on.</summary>
    public string TaskTree { get; }

    /// <summary>One line per blocked task: <c>'philosopher-west' waits on AsyncLock.AcquireAsync</c>.</summary>
    public IReadOnlyList<string> BlockedTasks { get; }

    /// <summary>The steps the run took up to the deadlock, or null when the exception was not made by a test loop.</summary>
    public RunTrace? Trace { get; }
}
