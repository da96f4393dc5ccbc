using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Structured;

// CancelScope, part: Which scope is current in the running flow, and entering and leaving a scope (docs/decisions/0007).
public sealed partial class CancelScope
{
    /// <summary>
    /// The innermost active scope of <paramref name="task"/> in the running flow: the flow's own scope, or the
    /// task's root scope (its nursery's scope) when the flow has entered none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static CancelScope? CurrentIn(TaskInfo task)
    {
        var scope = TaskInfo.FlowValue as CancelScope;
        if (scope is null || !ReferenceEquals(scope.Owner, task))
            return task.CancelState as CancelScope;
        return scope.IsActive ? scope : OuterActiveIn(task, scope);
    }

    /// <summary>Makes <paramref name="scope"/> the innermost scope of the running flow (for code run in another flow's context on its behalf).</summary>
    /// <remarks>Off the loop a scope names its task: a caller that is another task sets its task after this (WorkerRequest.EnterCaller).</remarks>
    internal static void EnterFlow(CancelScope? scope) => TaskInfo.FlowValue = scope;

    /// <summary>Whether the running flow's own scope is one that <paramref name="task"/> entered (the flow then names the task as well).</summary>
    internal static bool FlowIsInScopeOf(TaskInfo task) => TaskInfo.FlowValue is CancelScope { Owner: var owner } && ReferenceEquals(owner, task);

    TaskInfo? IFlowScope.FlowTask => Owner;

    // Leaving with the flow suppressed, without a context to restore: the flow's value goes back to the parent if it is
    // this task's, else to the task itself (off the loop the value names the task; a parent that is the nursery's scope
    // belongs to another task).
    void LeaveFlowInPlace()
    {
        var owner = Owner;
        TaskInfo.FlowValue = Parent is { } parent && ReferenceEquals(parent.Owner, owner) ? parent : owner is { Loop: null } ? owner : null;
    }

    // A flow that outlived its scope (a body left running when an enclosing scope was exited, see Exit): it runs in
    // the nearest scope of its task that is still active.
    static CancelScope? OuterActiveIn(TaskInfo task, CancelScope scope)
    {
        for (var s = scope.Parent; s is not null && ReferenceEquals(s.Owner, task); s = s.Parent)
        {
            if (s.IsActive)
                return s;
        }
        return task.CancelState as CancelScope;
    }

    /// <summary>Makes this scope the innermost scope of <paramref name="task"/>. Not a checkpoint.</summary>
    /// <exception cref="InvalidOperationException">The scope was entered before.</exception>
    internal void Enter(TaskInfo task) => EnterCore(task, asRoot: false);

    /// <summary>
    /// Enters this scope as the root scope of <paramref name="task"/>, a task of its own off the loop that has no scope
    /// yet (a request's root task, Structured.AspNetCore): the scope has no parent, and the flow finds it through the
    /// task's <see cref="TaskInfo.CancelState"/>, as a child task finds its nursery's scope, so entering writes no
    /// AsyncLocal. Its exit clears the task's root again. Not a checkpoint.
    /// </summary>
    /// <exception cref="InvalidOperationException">The scope was entered before.</exception>
    internal void EnterAsRoot(TaskInfo task)
    {
        Debug.Assert(task.Loop is null && task.CancelState is null, "a root scope is entered by a fresh off-loop task");
        EnterCore(task, asRoot: true);
    }

    void EnterCore(TaskInfo task, bool asRoot)
    {
        int previous = Interlocked.CompareExchange(ref _state, Active, Unentered);
        if (previous != Unentered)
        {
            throw new InvalidOperationException(previous == Active
                ? "This CancelScope is already running; a scope is entered once. Create a new CancelScope for each RunAsync."
                : "This CancelScope has already run; a scope runs once. Create a new CancelScope for each RunAsync.");
        }
        var parent = asRoot ? null : CurrentIn(task);
        Owner = task;
        Gate = task.Loop is null ? parent?.Gate ?? new Lock() : null;
        bool expired;
        using (new ScopeGate(Gate))
        {
            Parent = parent;
            if (parent is not null)
                parent.LinkChild(this);
            long now = Time.NowTicksFor(LoopOwner);
            long relative = _relativeTicks;
            if (relative >= 0)
                _deadline = new TimeSpan(SaturatingAdd(now, relative));
            else if (relative == PendingWallClock)
                _deadline = new TimeSpan(WallClockDeadline.Resolve(this, LoopOwner));
            // From here on the field holds the time of entry, for reasons relative to it (see its declaration).
            Volatile.Write(ref _relativeTicks, EntryBase - Math.Max(0, now));
            expired = _deadline != TimeSpan.MaxValue && _deadline.Ticks <= now;
            EffectiveCanceller = Compute(parent?.EffectiveCanceller);
            if (asRoot)
                Volatile.Write(ref task.CancelState, this);
            else if (parent is null)
                TopLevelScopes.Of(task).Add(this);
            if (!expired && _deadline != TimeSpan.MaxValue && _cancelRequested == 0)
                ArmTimer();
        }
        if (!asRoot)
            TaskInfo.FlowValue = this;
        if (expired)
            RequestCancel(DeadlineReason(_deadline.Ticks, Time.NowTicksFor(LoopOwner)), byDeadline: true);
        else if (EffectiveCanceller is not null)
            TokenSourceOrNull?.Cancel();
    }

    /// <summary>
    /// Leaves the scope: <paramref name="task"/>'s innermost scope becomes the parent again. Returns what
    /// should propagate: null when there was no error or the scope caught it, else the error (or a copy of
    /// an aggregate with this scope's cancellations stripped out).
    /// </summary>
    internal Exception? Exit(TaskInfo task, Exception? error)
    {
        bool catcher;
        List<CancelScope>? abandoned = null;
        using (new ScopeGate(Gate))
        {
            catcher = ReferenceEquals(EffectiveCanceller, this);
            DisarmTimer();
            if (_firstChild is not null)
                abandoned = AbandonInnerScopes();
            if (Parent is not null)
                Parent.UnlinkChild(this);
            else if (ReferenceEquals(task.CancelState, this))
                Volatile.Write(ref task.CancelState, null); // a root scope (EnterAsRoot): the task is in no scope any more
            else
                TopLevelScopes.Of(task).Remove(this);
            Volatile.Write(ref _state, Exited);
        }
        if (Volatile.Read(ref _rare) is { } rare)
        {
            if (rare.LinkedTokens is not null)
                UnlinkTokens();
            if (LoopOwner is null && Volatile.Read(ref rare.FiringThread) != 0)
                WaitForFiringDeadline();
            if (rare.CallbackError is not null && Interlocked.Exchange(ref rare.CallbackError, null) is { } callbackError)
                error = error is null ? callbackError : new AggregateException(error, callbackError);
        }
        if (abandoned is not null)
            error = StackCorrupted(task, abandoned, error);
        if (error is null)
            return null;
        MarkOwnTokenCancellations(error);
        if (!catcher)
            return error;
        var remaining = StripCancellations(error, out bool stripped);
        if (stripped)
            Volatile.Write(ref _cancelledCaught, true);
        return remaining;
    }

    /// <summary>
    /// Scopes still active inside this one as it exits (Trio's "cancel scope stack corrupted"): a scope body or a
    /// nursery that another flow of the task started inside this scope and did not await. They move under this
    /// scope's parent, so the tree stays whole, and are cancelled, so the abandoned flow stops at its next
    /// checkpoint. Caller holds the gate.
    /// </summary>
    List<CancelScope> AbandonInnerScopes()
    {
        var abandoned = new List<CancelScope>();
        while (_firstChild is { } inner)
        {
            UnlinkChild(inner);
            inner.Parent = Parent;
            if (Parent is not null)
                Parent.LinkChild(inner);
            else if (inner.Owner is { } owner)
                TopLevelScopes.Of(owner).Add(inner);
            abandoned.Add(inner);
        }
        return abandoned;
    }

    InvalidOperationException StackCorrupted(TaskInfo task, List<CancelScope> abandoned, Exception? error)
    {
        foreach (var inner in abandoned)
            inner.RequestCancel(CancelReasons.Abandoned, byDeadline: false, cause: CancelCause.Outer);
        var message = $"Cancel scope stack corrupted: the {this} of task '{task.Name}' exited while the {abandoned[0]} opened "
            + "inside it was still running (a CancelScope.RunAsync or Nursery.RunAsync whose Task was not awaited before the "
            + "enclosing scope ended). The inner scope was cancelled. Await every scope and nursery inside the scope that "
            + "encloses it: Task.WhenAll inside the body, not around it; to run work concurrently, start it in a nursery.";
        return error is null ? new InvalidOperationException(message) : new InvalidOperationException(message, error);
    }
}
