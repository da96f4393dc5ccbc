using System.Diagnostics.CodeAnalysis;

namespace Structured;

/// <summary>
/// The exception that every checkpoint of Structured throws inside a cancelled scope (Trio's
/// <c>trio.Cancelled</c>). It is an <see cref="OperationCanceledException"/>, so ordinary .NET code treats it
/// as a cancellation; the scope that caused it catches it on the way out.
/// </summary>
/// <remarks>
/// Let it propagate: catching it and carrying on is allowed, but cancellation is level-triggered, so the
/// next checkpoint inside the same scope throws again. Its <see cref="Reason"/> says who cancelled:
/// the text given to <see cref="CancelScope.Cancel(string?)"/>, a deadline, a failing sibling task, or an
/// outer scope.
/// </remarks>
[SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "Only the library raises Cancelled (as in Trio); a cancellation without a scope would be meaningless.")]
public sealed class Cancelled : OperationCanceledException
{
    // The message and the reason are read when asked, not per exception: a cancelled nursery makes one Cancelled per
    // parked task (W6), and a deadline's reason is a formatted text nobody may read (W5). A scope's reason never
    // changes once it is cancelled (the first reason wins), so reading it later gives the same text. The base gets a
    // constant, not null: OperationCanceledException(null) looks its default message up in the resources, under a lock,
    // for every instance (about 100 ns, 3 % of a cancelled task's floor: the CPU profile of W6, docs/performance.md).
    internal Cancelled(CancelScope scope)
        : base(UnreadMessage)
        => Scope = scope;

    // Never shown: Message is overridden.
    const string UnreadMessage = "Cancelled";

    /// <summary>"Cancelled: " and the <see cref="Reason"/>.</summary>
    public override string Message => "Cancelled: " + Reason;

    /// <summary>Why the code was cancelled: the reason given to <c>Cancel</c>, "deadline ...", or "task 'name' failed: ...".</summary>
    public string Reason => Scope.ReasonText;

    /// <summary>The scope whose cancellation this is, the one that catches it.</summary>
    internal CancelScope Scope { get; }
}
