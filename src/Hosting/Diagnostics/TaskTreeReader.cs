using System.Text;

// Off-loop code by design: reads a loop's tree from another thread (the loop may be blocked): its awaits must not resume on the loop, and .Result is read only once the task has completed.
#pragma warning disable STR105, STR106

namespace Structured;

/// <summary>Reads the task tree of one service: from its loop thread between two steps, or as a snapshot from this thread.</summary>
internal static class TaskTreeReader
{
    /// <summary>
    /// Asks <paramref name="loop"/> to write its tree (a post: it runs between two steps, so it never races a task), and
    /// reads a snapshot from this thread when the loop does not answer within <paramref name="timeout"/>, or at once when
    /// <paramref name="knownBlocked"/> (the blocked-loop detector saw it blocked): a blocked loop answers nothing.
    /// </summary>
    /// <param name="loop">The service's loop.</param>
    /// <param name="finished">Completes once the service's loop has returned: a post to it is then dropped.</param>
    /// <param name="timeout">How long to wait for the loop's answer.</param>
    /// <param name="knownBlocked">Whether the loop is known to be blocked: read the snapshot at once.</param>
    /// <param name="cancellationToken">Abandons the wait for the loop's answer.</param>
    internal static async Task<(TaskTreeSource Source, string Tree)> FromLoopAsync(
        Loop loop, Task finished, TimeSpan timeout, bool knownBlocked, CancellationToken cancellationToken)
    {
        if (!knownBlocked)
        {
            var tree = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.PostInternal(() => tree.TrySetResult(Snapshot(loop.DumpTaskTree)));
            var answered = await Task.WhenAny(tree.Task, finished).WaitAsync(timeout, TimeProvider.System, cancellationToken)
                .ContinueWith(static t => t.IsCompletedSuccessfully, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (tree.Task.IsCompleted)
                return (TaskTreeSource.Loop, tree.Task.Result);
            if (answered || finished.IsCompleted)
                return (TaskTreeSource.None, Finished);
        }
        return (TaskTreeSource.BlockedLoop,
            $"(the loop thread did not answer within {TaskTreeText.Span(timeout)}: synchronous code is blocking it, in the task "
            + "shown as Running; snapshot read from another thread)\n" + Snapshot(loop.DumpTaskTree));
    }

    /// <summary>A snapshot of the tasks of a service on the thread pool, read from this thread.</summary>
    internal static string FromThreadPool(TaskInfo root) => Snapshot(() =>
    {
        var text = new StringBuilder("(thread pool: snapshot of the service's tasks, read while they run)\n");
        root.Describe(text, "  ");
        return text.ToString();
    });

    internal const string Finished = "(every task has finished meanwhile)";

    internal const string NotStarted = "(the service has not started a task yet)";

    static string Snapshot(Func<string> describe)
    {
        try
        {
            return describe();
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or ArgumentException or IndexOutOfRangeException)
        {
            // The tree changed under the reader (another thread owns it); say so rather than lose the log line.
            return $"(no snapshot: the task tree changed while it was read: {e.Message})";
        }
    }
}
