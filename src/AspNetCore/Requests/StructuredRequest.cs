using System.Diagnostics;

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
    Nursery? _nursery;

    internal StructuredRequest(string name, CancelScope scope, TimeSpan? incomingTimeout, string? deadlineHeader, TaskInfo root)
    {
        Name = name;
        Scope = scope;
        IncomingTimeout = incomingTimeout;
        DeadlineHeader = deadlineHeader;
        Root = root;
    }

    /// <summary>The request's cancel scope, around the rest of the pipeline: cancel it to cut the request short.</summary>
    public CancelScope Scope { get; }

    /// <summary>
    /// The request's nursery, inside <see cref="Scope"/>: tasks started into it run beside the handler, and the response
    /// is completed only after every one of them has ended. An error in one cancels the handler and the others.
    /// </summary>
    /// <exception cref="InvalidOperationException">Read before the middleware opened the nursery (from middleware that runs before <c>UseStructuredRequests()</c>).</exception>
    public Nursery Nursery => _nursery ?? throw new InvalidOperationException(
        $"The nursery of {this} is not open yet: read it in a handler or in middleware registered after app.UseStructuredRequests().");

    /// <summary>The timeout the request came with (from <c>grpc-timeout</c> or the configured deadline header), or null for none.</summary>
    public TimeSpan? IncomingTimeout { get; }

    /// <summary>The header that <see cref="IncomingTimeout"/> came from, or null for none.</summary>
    public string? DeadlineHeader { get; }

    /// <summary>The name of the request in logs and in the task tree: method and path.</summary>
    internal string Name { get; }

    /// <summary>The root task of the request's flow, for the task tree at shutdown.</summary>
    internal TaskInfo Root { get; }

    internal void Open(Nursery nursery) => _nursery = nursery;

    /// <inheritdoc/>
    public override string ToString() => $"request {Name}";
}
