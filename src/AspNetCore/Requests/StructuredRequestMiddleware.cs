using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Structured;

/// <summary>
/// Runs the rest of the pipeline of each request inside a cancel scope and a nursery of its own, on the thread pool
/// (Structured off the loop): the scope follows <see cref="HttpContext.RequestAborted"/>, the incoming deadline and the
/// host's shutdown timeout; the nursery's tasks end before the pipeline returns, so before the response is completed.
/// </summary>
/// <remarks>
/// The per-request cost is what users of ASP.NET Core measure first (docs/performance.md, "The request path"), so:
/// the request's scope is also its nursery's scope, and the root scope of the request's task, found through the task
/// (one AsyncLocal write per request: the current task); the nursery is made only when someone asks for it; names are
/// built only when read; and a pipeline that completes synchronously (with no child left) finishes here, without an
/// async frame. The caller's ExecutionContext and SynchronizationContext are put back before returning, as an async
/// method's builder would, so nothing leaks into the server's next request on the connection.
/// </remarks>
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

    // The reason is chosen when the token fires: once the shutdown timeout has run out, the server aborts the requests
    // it cuts short, and that is the shutdown, not a client that went away.
    static readonly Action<object?> s_aborted = static state =>
    {
        var request = (StructuredRequest)state!;
        request.Scope.Cancel(request.Tracker.ShutdownTimedOut ? RequestCancelReasons.ShutdownTimeout : RequestCancelReasons.ClientAborted);
    };

    readonly StructuredRequestOptions _options = options.Value;

    public Task InvokeAsync(HttpContext context)
    {
        // A suppressed flow has no context to put back: an async frame restores what the request changed instead.
        var callerContext = ExecutionContext.Capture();
        return callerContext is null ? InvokeInAsyncFrameAsync(context) : Invoke(context, callerContext);
    }

    async Task InvokeInAsyncFrameAsync(HttpContext context) => await Invoke(context, callerContext: null);

    Task Invoke(HttpContext context, ExecutionContext? callerContext)
    {
        var (timeout, header) = IncomingTimeout(context);

        // The request's flow gets a root task of its own: whatever task the server's flow might carry (a host started
        // inside a nursery) is not the request's, and the request's tree is what the shutdown log shows. Its name
        // ("request GET /x") is the request's ToString(), built when read.
        var callerSynchronizationContext = SynchronizationContext.Current;
        if (callerSynchronizationContext is not null)
            SynchronizationContext.SetSynchronizationContext(null);
        var root = new TaskInfo(name: null, loop: null);
        TaskInfo.SetOffLoopCurrent(root);

        // Off the loop, deadlines are on the system's monotonic clock (Time.Now), as the handler's CurrentEffectiveDeadline.
        var scope = timeout is { } t ? new CancelScope(Time.Now + t) : new CancelScope();
        if (timeout is { } incoming)
            scope.DeadlineReasonOverride = RequestCancelReasons.IncomingDeadline(incoming, header!);
        var request = new StructuredRequest(context.Request.Method, context.Request.Path, scope, timeout, header, tracker);
        root.NameSource = request;
        // The request's scope is the root scope of its task, and its nursery's scope: handlers find it through the task.
        scope.EnterAsRoot(root);
        if (StructuredTracing.Source.HasListeners())
            request.OpenNurseryNow(); // its activity is current around the handler, as Nursery.RunAsync's around a body
        context.Features.Set(request);

        var aborted = context.RequestAborted.UnsafeRegister(s_aborted, request);
        tracker.Add(request);
        Task pipeline;
        try
        {
            pipeline = next(context) ?? Task.FromException(new InvalidOperationException("The next middleware returned a null Task; return the Task of an async method."));
        }
        catch (Exception e)
        {
            pipeline = Task.FromException(e);
        }

        Task result;
        if (!pipeline.IsCompleted)
        {
            // The rest runs in the request's flow (the async method captures it at its first await); the caller's does not.
            result = FinishAsync(context, request, pipeline, waiting: null, aborted);
        }
        else
        {
            // The synchronous fast path: no async frame unless a child of the request's nursery is still running.
            var waiting = EndPipeline(request, pipeline, out var error);
            result = waiting is null ? Finish(context, request, error, aborted) : FinishAsync(context, request, pipeline, waiting, aborted);
        }

        if (callerContext is not null)
            ExecutionContext.Restore(callerContext);
        if (callerSynchronizationContext is not null)
            SynchronizationContext.SetSynchronizationContext(callerSynchronizationContext);
        return result;
    }

    /// <summary>
    /// The pipeline ended. Without a nursery and without an error the scope is left here; otherwise the pipeline's end
    /// goes through the nursery (made now for an error, so that the error comes out as a nursery body's does). Returns
    /// the nursery whose children are still to wait for, or null when the scope was left and <paramref name="error"/>
    /// is what propagates (null, an aggregate of the errors, or a cancellation from outside).
    /// </summary>
    static Nursery? EndPipeline(StructuredRequest request, Task pipeline, out Exception? error)
    {
        var root = request.Root;
        var pipelineError = TaskErrors.ErrorOf(pipeline);
        var nursery = request.NurseryAtEnd(open: pipelineError is not null);
        if (nursery is null)
        {
            error = request.Scope.Exit(root, null);
            return null;
        }
        if (nursery.EndBody(root, pipelineError))
        {
            error = nursery.CloseOwnScope(root);
            return null;
        }
        error = null;
        return nursery;
    }

    async Task FinishAsync(HttpContext context, StructuredRequest request, Task pipeline, Nursery? waiting, CancellationTokenRegistration aborted)
    {
        using (aborted)
        {
            Exception? error = null;
            try
            {
                if (waiting is null)
                {
                    // Not a plain await: a cancelled pipeline would throw here only for the scope to catch it.
                    await pipeline.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    waiting = EndPipeline(request, pipeline, out error);
                }
                if (waiting is not null)
                {
                    await waiting.WaitForChildrenOfOwnScopeAsync(request.Root);
                    error = waiting.CloseOwnScope(request.Root);
                }
            }
            finally
            {
                tracker.Remove(request);
            }
            if (error is not null)
                ExceptionDispatchInfo.Throw(error);
            if (request.Scope.CancelledCaught)
                await AnswerCancelledAsync(context, request);
        }
    }

    Task Finish(HttpContext context, StructuredRequest request, Exception? error, CancellationTokenRegistration aborted)
    {
        tracker.Remove(request);
        if (error is null && request.Scope.CancelledCaught)
            return AnswerCancelledAsync(context, request, aborted); // rare: the answer is written in an async frame
        aborted.Dispose();
        return error is null ? Task.CompletedTask : Task.FromException(error);
    }

    async Task AnswerCancelledAsync(HttpContext context, StructuredRequest request, CancellationTokenRegistration aborted)
    {
        using (aborted)
            await AnswerCancelledAsync(context, request);
    }

    /// <summary>The scope caught its cancellation: logs it and, unless the client went away, the response says what happened (see <see cref="CancelledResponse"/>).</summary>
    async Task AnswerCancelledAsync(HttpContext context, StructuredRequest request)
    {
        var scope = request.Scope;
        var reason = scope.CancelReason ?? "cancelled";
        AspNetCoreLog.RequestCancelled(logger, request.Name, reason);
        // A client that went away hears nothing; otherwise the response says what happened (see CancelledResponse).
        if (!context.RequestAborted.IsCancellationRequested)
            await CancelledResponse.WriteAsync(context, scope.CancelledByDeadline, reason);
    }

    /// <summary>The earlier of the timeouts of <c>grpc-timeout</c> and of the configured deadline header, with the header it came from.</summary>
    (TimeSpan? Timeout, string? Header) IncomingTimeout(HttpContext context)
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
                string shown = text ?? "";
                bool first = _warned.Count < MaxWarnedValues && _warned.TryAdd((headerName, shown), true);
                var level = first ? LogLevel.Warning : LogLevel.Debug;
                // The request's name is built for the log line only, and only when the line is written (after the
                // first warning a client repeating its value gets Debug lines, usually off).
                if (logger.IsEnabled(level))
                {
                    string request = StructuredRequest.NameOf(context.Request.Method, context.Request.Path);
                    AspNetCoreLog.InvalidTimeout(logger, level, request, headerName, shown);
                }
                return;
            }
            if (timeout is null || value < timeout)
                (timeout, header) = (value, headerName);
        }
    }
}
