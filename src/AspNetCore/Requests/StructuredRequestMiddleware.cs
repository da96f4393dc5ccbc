using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Structured;

/// <summary>
/// Runs the rest of the pipeline of each request inside a cancel scope and a nursery of its own, on the thread pool
/// (Structured off the loop): the scope follows <see cref="HttpContext.RequestAborted"/>, the incoming deadline and the
/// host's shutdown timeout; the nursery's tasks end before the pipeline returns, so before the response is completed.
/// </summary>
internal sealed class StructuredRequestMiddleware(
    RequestDelegate next,
    IOptions<StructuredRequestOptions> options,
    RequestTracker tracker,
    ILogger<StructuredRequestMiddleware> logger)
{
    // The malformed deadline headers warned about: each distinct value once (a client that sends '1s' sends it on every
    // call), Debug after that; at most MaxWarnedValues of them, so that a client cannot grow the set without bound.
    const int MaxWarnedValues = 64;
    readonly ConcurrentDictionary<(string Header, string Value), bool> _warned = new();
    readonly StructuredRequestOptions _options = options.Value;

    public async Task InvokeAsync(HttpContext context)
    {
        string name = $"{context.Request.Method} {context.Request.Path}";
        var (timeout, header) = IncomingTimeout(context, name);

        // The request's flow gets a root task of its own: whatever task the server's flow might carry (a host started
        // inside a nursery) is not the request's, and the request's tree is what the shutdown log shows. The writes
        // below are undone when this async method returns (the caller's ExecutionContext and SynchronizationContext are
        // restored), so nothing leaks into the server's next request on the connection.
        if (SynchronizationContext.Current is not null)
            SynchronizationContext.SetSynchronizationContext(null);
        var root = new NurseryTask("request " + name, loop: null, parent: null);
        TaskInfo.SetOffLoopCurrent(root);

        // Off the loop, deadlines are on the system's monotonic clock (Time.Now), as the handler's CurrentEffectiveDeadline.
        var scope = timeout is { } t ? new CancelScope(Time.Now + t) : new CancelScope();
        if (timeout is { } incoming)
            scope.DeadlineReasonOverride = RequestCancelReasons.IncomingDeadline(incoming, header!);
        var request = new StructuredRequest(name, scope, timeout, header, root);
        context.Features.Set(request);

        // The reason is chosen when the token fires: once the shutdown timeout has run out, the server aborts the
        // requests it cuts short, and that is the shutdown, not a client that went away.
        using var aborted = context.RequestAborted.UnsafeRegister(static state =>
        {
            var (scope, tracker) = ((CancelScope, RequestTracker))state!;
            scope.Cancel(tracker.ShutdownTimedOut ? RequestCancelReasons.ShutdownTimeout : RequestCancelReasons.ClientAborted);
        }, (scope, tracker));
        tracker.Add(request);
        try
        {
            await scope.RunAsync(() => Nursery.RunAsync(nursery =>
            {
                request.Open(nursery);
                return next(context);
            }));
        }
        finally
        {
            tracker.Remove(request);
        }

        if (scope.CancelledCaught)
        {
            var reason = scope.CancelReason ?? "cancelled";
            AspNetCoreLog.RequestCancelled(logger, name, reason);
            // A client that went away hears nothing; otherwise the response says what happened (see CancelledResponse).
            if (!context.RequestAborted.IsCancellationRequested)
                await CancelledResponse.WriteAsync(context, scope.CancelledByDeadline, reason);
        }
    }

    /// <summary>The earlier of the timeouts of <c>grpc-timeout</c> and of the configured deadline header, with the header it came from.</summary>
    (TimeSpan? Timeout, string? Header) IncomingTimeout(HttpContext context, string name)
    {
        TimeSpan? timeout = null;
        string? header = null;
        if (_options.HonourGrpcTimeout)
            Read(GrpcTimeout.HeaderName);
        if (_options.DeadlineHeader is { } configured)
            Read(configured);
        return (timeout, header);

        void Read(string headerName)
        {
            if (!context.Request.Headers.TryGetValue(headerName, out var values) || values.Count == 0)
                return;
            var text = values[0];
            if (!GrpcTimeout.TryParse(text, out var value))
            {
                bool first = _warned.Count < MaxWarnedValues && _warned.TryAdd((headerName, text ?? ""), true);
                AspNetCoreLog.InvalidTimeout(logger, first ? LogLevel.Warning : LogLevel.Debug, name, headerName, text ?? "");
                return;
            }
            if (timeout is null || value < timeout)
                (timeout, header) = (value, headerName);
        }
    }
}
