using System.Globalization;

namespace Structured;

/// <summary>The reasons a request's scope is cancelled, so that logs and <see cref="Cancelled.Reason"/> read the same everywhere.</summary>
internal static class RequestCancelReasons
{
    internal const string ClientAborted = "the client aborted the request (HttpContext.RequestAborted)";

    internal const string ShutdownTimeout = "the host's ShutdownTimeout ran out";

    internal static string IncomingDeadline(TimeSpan timeout, string header)
        => string.Create(CultureInfo.InvariantCulture, $"incoming deadline of {timeout.TotalMilliseconds:0.###} ms from header '{header}' passed");
}
