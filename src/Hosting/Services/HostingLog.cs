using Microsoft.Extensions.Logging;

namespace Structured;

/// <summary>The log messages of structured services (source-generated: no boxing, no parsing at run time).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Structured service '{Service}' started on {Where}.")]
    internal static partial void Started(ILogger logger, string service, string where);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Structured service '{Service}' is stopping: it takes no new work and lets the work in flight finish (until the host's ShutdownTimeout).")]
    internal static partial void Stopping(ILogger logger, string service);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Structured service '{Service}' stopped: every task of it has finished.")]
    internal static partial void Stopped(ILogger logger, string service);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Structured service '{Service}' finished by itself.")]
    internal static partial void Finished(ILogger logger, string service);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Structured service '{Service}': the host's ShutdownTimeout ran out ({After} after the stop began) before its work in flight finished; cancelling these tasks, exit code 1. Still running:\n{TaskTree}")]
    internal static partial void ShutdownTimeoutExpired(ILogger logger, string service, string after, string taskTree);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Structured service '{Service}' ignored cancellation for {AbandonTimeout} after the ShutdownTimeout ran out; abandoning its remaining tasks (still running after StopAsync). Stuck here:\n{TaskTree}")]
    internal static partial void Abandoned(ILogger logger, string service, TimeSpan abandonTimeout, string taskTree);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Structured service '{Service}' failed: error {Index} of {Count}, in task '{Task}'.")]
    internal static partial void Error(ILogger logger, Exception error, string service, int index, int count, string task);

    [LoggerMessage(EventId = 8, Level = LogLevel.Critical, Message = "Structured service '{Service}' failed with {Count} error(s); stopping the host with exit code 1.")]
    internal static partial void Failed(ILogger logger, string service, int count);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Structured service '{Service}': its loop thread has not run a posted callback for {Threshold}: synchronous code in the task shown as Running is blocking it, and every other task and timer of the service waits. Task tree (read from another thread):\n{TaskTree}")]
    internal static partial void LoopBlocked(ILogger logger, string service, string threshold, string taskTree);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Structured service '{Service}': its loop thread runs again, after being blocked for {Duration}.")]
    internal static partial void LoopUnblocked(ILogger logger, string service, string duration);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Task trees of the structured services ({Signal} received):\n{TaskTrees}")]
    internal static partial void TaskTreesDumped(ILogger logger, string signal, string taskTrees);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error, Message = "The task trees could not be dumped on {Signal}.")]
    internal static partial void TaskTreesDumpFailed(ILogger logger, Exception error, string signal);

    [LoggerMessage(EventId = 9, Level = LogLevel.Critical, Message = "The host failed; exit code 1.")]
    internal static partial void HostFailed(ILogger logger, Exception error);
}
