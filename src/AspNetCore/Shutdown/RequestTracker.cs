using System.Runtime.CompilerServices;
using System.Text;

namespace Structured;

/// <summary>
/// The requests in flight of one app, for the host's shutdown: it waits for them to drain and, when the shutdown
/// timeout runs out, cancels them. A singleton of the app's container; thread-safe.
/// </summary>
internal sealed partial class RequestTracker
{
    readonly Lock _gate = new();
    // Hashed by the request's task id: the default hash of a new object takes the runtime's slow path, and every request
    // is a new object (issue 24: a tenth of the middleware's time).
    readonly HashSet<StructuredRequest> _inFlight = new(ByTaskId.Instance);
    TaskCompletionSource? _drained;
    volatile bool _shutdownTimedOut;
    // The host's shutdown token, boxed so that the request path reads it without the lock.
    volatile StrongBox<CancellationToken>? _shutdownToken;

    /// <summary>
    /// Whether the host's shutdown timeout has run out: from then on every request is cancelled, and the server's abort
    /// of the connections it cuts short is reported as that, not as clients that went away.
    /// </summary>
    /// <remarks>
    /// Read from the host's shutdown token itself, not only from the flag that <see cref="CancelAll"/> sets: the token
    /// reads cancelled before any of its callbacks runs, so the server's abort (which follows one of those callbacks,
    /// on another thread) can never be seen before it.
    /// </remarks>
    internal bool ShutdownTimedOut
    {
        get
        {
            if (_shutdownTimedOut)
                return true;
            return _shutdownToken?.Value.IsCancellationRequested == true;
        }
    }

    /// <summary>The host's stop has begun; <paramref name="shutdownToken"/> is cancelled when its ShutdownTimeout runs out.</summary>
    internal void Stopping(CancellationToken shutdownToken)
    {
        _shutdownToken = new StrongBox<CancellationToken>(shutdownToken);
    }

    internal int Count
    {
        get
        {
            lock (_gate)
                return _inFlight.Count;
        }
    }

    internal void Add(StructuredRequest request)
    {
        lock (_gate)
            _inFlight.Add(request);
        // After the lock: CancelAll sets the flag before it takes its snapshot, so a request is cancelled by one or the other.
        if (ShutdownTimedOut)
            request.Scope.Cancel(RequestCancelReasons.ShutdownTimeout);
    }

    internal void Remove(StructuredRequest request)
    {
        TaskCompletionSource? drained = null;
        lock (_gate)
        {
            _inFlight.Remove(request);
            if (_inFlight.Count == 0)
                (drained, _drained) = (_drained, null);
        }
        drained?.TrySetResult();
    }

    /// <summary>A task that completes when no request is in flight.</summary>
    internal Task DrainedAsync()
    {
        lock (_gate)
        {
            if (_inFlight.Count == 0)
                return Task.CompletedTask;
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    /// <summary>The hard phase of the shutdown: cancels every request in flight, and every one that arrives later.</summary>
    internal void CancelAll()
    {
        _shutdownTimedOut = true;
        foreach (var request in Snapshot())
            request.Scope.Cancel(RequestCancelReasons.ShutdownTimeout);
    }

    /// <summary>The task trees of the requests in flight (a snapshot from another thread: the trees may change meanwhile).</summary>
    internal string DescribeInFlight()
    {
        var requests = Snapshot();
        if (requests.Length == 0)
            return "(every request has finished meanwhile)";
        var text = new StringBuilder();
        foreach (var request in requests)
        {
            text.Append(request).Append('\n');
            try
            {
                request.Root.Describe(text, "  ");
            }
            catch (Exception e) when (e is InvalidOperationException or NullReferenceException or ArgumentException)
            {
                // The tree changed under the reader (the request's threads own it); say so rather than lose the log line.
                text.Append("  (no snapshot: the task tree changed while it was read: ").Append(e.Message).Append(")\n");
            }
        }
        return text.ToString().TrimEnd('\n');
    }

    StructuredRequest[] Snapshot()
    {
        lock (_gate)
            return [.. _inFlight];
    }
}
