using Microsoft.Extensions.Logging;

// Off-loop code by design: the detector watches the loop from the thread pool on purpose (a blocked loop could never run it): its Task.Run is its own root, kept alive by the loop's finished task, and its awaits must not resume on the loop.
#pragma warning disable STR105, STR107

namespace Structured;

/// <summary>
/// Watches one service's loop from the thread pool (<see cref="StructuredServiceOptions.BlockedLoopThreshold"/>): posts a
/// no-op to the loop every threshold and, when the loop has not run it a threshold later, logs that the loop is blocked
/// with the task tree read from this thread; then, once the loop runs again, how long it was blocked.
/// </summary>
/// <remarks>
/// A loop that runs drains its inbox every turn, so the no-op waits at most for one step: a step longer than the
/// threshold is synchronous code that holds the loop thread (a blocking call, a long computation). The cost while the
/// loop runs is one post and one timer per threshold.
/// </remarks>
internal sealed class BlockedLoopDetector(Loop loop, TaskInfo main, Task finished, TimeSpan threshold, string service, ILogger logger)
{
    // Read by dumps on other threads: a loop known to be blocked is not asked (it could not answer).
    volatile bool _blocked;

    internal bool IsBlocked => _blocked;

    /// <summary>Starts watching on the thread pool, outside the caller's ExecutionContext (its scopes and task).</summary>
    internal void Start()
    {
        using (ExecutionContext.SuppressFlow())
            _ = Task.Run(WatchAsync, CancellationToken.None);
    }

    async Task WatchAsync()
    {
        var clock = TimeProvider.System;
        while (!finished.IsCompleted)
        {
            var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long posted = clock.GetTimestamp();
            loop.PostInternal(() => ran.TrySetResult());
            await Task.WhenAny(ran.Task, finished, Task.Delay(threshold, clock)).ConfigureAwait(false);
            // A loop that has returned drops posts: its main task finished before, that is no block.
            if (finished.IsCompleted || main.State == TaskState.Finished)
                return;
            if (!ran.Task.IsCompleted)
            {
                _blocked = true;
                if (logger.IsEnabled(LogLevel.Warning))
                {
                    var (_, tree) = await TaskTreeReader.FromLoopAsync(loop, finished, threshold, knownBlocked: true, CancellationToken.None).ConfigureAwait(false);
                    HostingLog.LoopBlocked(logger, service, TaskTreeText.Span(threshold), tree);
                }
                await Task.WhenAny(ran.Task, finished).ConfigureAwait(false);
                _blocked = false;
                if (ran.Task.IsCompleted)
                {
                    var blockedFor = TaskTreeText.Span(clock.GetElapsedTime(posted));
                    HostingLog.LoopUnblocked(logger, service, blockedFor);
                }
                continue;
            }
            // The loop answered: wait out the rest of the period before the next probe.
            await Task.WhenAny(finished, Task.Delay(threshold, clock)).ConfigureAwait(false);
        }
    }
}
