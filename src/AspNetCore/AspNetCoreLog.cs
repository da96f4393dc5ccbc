using Microsoft.Extensions.Logging;

namespace Structured;

/// <summary>
/// The log messages of Structured.AspNetCore (source-generated). The shutdown messages have the shape and the levels of
/// Structured.Hosting's, so that a service's and a web app's stop read alike.
/// </summary>
internal static partial class AspNetCoreLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Request {Request} was cancelled: {Reason}.")]
    internal static partial void RequestCancelled(ILogger logger, string request, string reason);

    // A Warning the first time a value is seen, Debug after that (StructuredRequestMiddleware decides).
    [LoggerMessage(EventId = 2, Message = "Request {Request}: header '{Header}' is '{Value}', no timeout in the grpc-timeout format (1 to 8 digits and a unit H, M, S, m, u or n: '1S', '500m'); ignored, no deadline for this request.")]
    internal static partial void InvalidTimeout(ILogger logger, LogLevel level, string request, string header, string value);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Structured requests are stopping: the server takes no new requests; requests in flight: {Count}{Drain}.")]
    static partial void Stopping(ILogger logger, int count, string drain);

    // "the 0 in flight finish" read as a slip: the drain is named only when there is something to drain.
    internal static void Stopping(ILogger logger, int count)
        => Stopping(logger, count, count == 0 ? "" : count == 1 ? " (it finishes first, until the host's ShutdownTimeout)" : " (they finish first, until the host's ShutdownTimeout)");

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Structured requests stopped: every request and every task of their nurseries has finished.")]
    internal static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Structured requests: the host's ShutdownTimeout ran out ({After} after the stop began, {Lead} kept back for them to answer before the server aborts their connections) before {Count} request(s) in flight finished; cancelling them, exit code 1. Still running:\n{TaskTree}")]
    internal static partial void ShutdownTimeoutExpired(ILogger logger, string after, string lead, int count, string taskTree);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Structured requests: {Count} request(s) ignored cancellation for {AbandonTimeout} after the ShutdownTimeout ran out; abandoning them (still running after the host stopped). Stuck here:\n{TaskTree}")]
    internal static partial void Abandoned(ILogger logger, int count, TimeSpan abandonTimeout, string taskTree);
}
