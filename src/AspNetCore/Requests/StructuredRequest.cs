using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Structured;

/// <summary>
/// What <c>app.UseStructuredRequests()</c> gives one request: its cancel scope and its nursery. Get it with
/// <c>HttpContext.GetStructuredRequest()</c>; inside the handler, <see cref="CancelScope.CurrentToken"/> and
/// <see cref="CancelScope.CurrentEffectiveDeadline"/> already see the scope.
/// </summary>
/// <remarks>
/// The scope is cancelled when the client aborts the request, when the incoming deadline passes, and when the host's
/// shutdown timeout runs out; <see cref="CancelScope.CancelReason"/> says which. The nursery's tasks end before the
/// response is completed: a handler may start work into it and return, the response waits for that work.
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class StructuredRequest
{
    // Stands for "the pipeline ended and nobody asked for the nursery" in _nursery.
    static readonly object s_noNursery = new();

    // The request's nursery, made on first use (most requests start nothing into it; its scope is Scope, entered
    // already, so there is nothing to open), or s_noNursery once the pipeline ended without one. Guarded by the
    // scope's gate: the nursery links itself to the scope when made, so two threads must not both make one.
    object? _nursery;

    // The request line's method and path, kept for the name, which is built only when read (a log line, the task tree).
    readonly string _method;
    readonly PathString _path;
    readonly long _incomingTimeoutTicks;

    internal StructuredRequest(string method, PathString path, CancelScope scope, TimeSpan? incomingTimeout, string? deadlineHeader, RequestTracker tracker)
    {
        _method = method;
        _path = path;
        Scope = scope;
        _incomingTimeoutTicks = incomingTimeout?.Ticks ?? -1;
        DeadlineHeader = deadlineHeader;
        Tracker = tracker;
    }

    /// <summary>The request's cancel scope, around the rest of the pipeline: cancel it to cut the request short.</summary>
    /// <remarks>It is also the scope of <see cref="Nursery"/> (<c>Nursery.CancelScope</c>): one scope per request.</remarks>
    public CancelScope Scope { get; }

    /// <summary>
    /// The request's nursery, whose scope is <see cref="Scope"/>: tasks started into it run beside the handler, and the
    /// response is completed only after every one of them has ended. An error in one cancels the handler and the others.
    /// </summary>
    /// <exception cref="InvalidOperationException">Read after the request's pipeline had finished without anyone starting a task into the nursery: start work into it while the request runs.</exception>
    public Nursery Nursery
    {
        get
        {
            if (Volatile.Read(ref _nursery) is Nursery made)
                return made;
            using (new ScopeGate(Scope.Gate))
            {
                _nursery ??= Nursery.OpenInOwnScope(Root, Scope);
                if (_nursery is Nursery opened)
                    return opened;
            }
            throw new InvalidOperationException(
                $"The nursery of {this} is closed: the request's pipeline has finished. Start work into it while the request runs (in a handler, or in middleware registered after app.UseStructuredRequests()).");
        }
    }

    /// <summary>The timeout the request came with (from <c>grpc-timeout</c> or the configured deadline header), or null for none.</summary>
    public TimeSpan? IncomingTimeout => _incomingTimeoutTicks < 0 ? null : new TimeSpan(_incomingTimeoutTicks);

    /// <summary>The header that <see cref="IncomingTimeout"/> came from, or null for none.</summary>
    public string? DeadlineHeader { get; }

    /// <summary>The name of the request in logs and in the task tree: method and path.</summary>
    internal string Name => NameOf(_method, _path);

    /// <summary>The name of a request in logs and in the task tree, from its method and path.</summary>
    internal static string NameOf(string method, PathString path) => $"{method} {path}";

    /// <summary>The root task of the request's flow, for the task tree at shutdown: the owner of <see cref="Scope"/>.</summary>
    internal TaskInfo Root => Scope.Owner!;

    /// <summary>The requests in flight of the app, for the reason of an abort (the client's or the shutdown's).</summary>
    internal RequestTracker Tracker { get; }

    /// <summary>Opens the nursery before the request is published (no other thread sees it yet): when a tracing listener wants the nursery's activity around the handler.</summary>
    internal void OpenNurseryNow() => _nursery = Nursery.OpenInOwnScope(Root, Scope);

    /// <summary>
    /// The pipeline ended: the nursery if someone made it (its children may still run, and may still start more) or
    /// <paramref name="open"/> asks for one (the pipeline's error is recorded by a nursery), else null, and from then on
    /// the nursery can no longer be made.
    /// </summary>
    internal Nursery? NurseryAtEnd(bool open)
    {
        using (new ScopeGate(Scope.Gate))
        {
            _nursery ??= open ? Nursery.OpenInOwnScope(Root, Scope) : s_noNursery;
            return _nursery as Nursery;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"request {Name}";
}
