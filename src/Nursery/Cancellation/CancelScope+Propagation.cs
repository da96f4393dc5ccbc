namespace Structured;

// CancelScope, part: How a cancellation spreads down the tree of scopes, wakes parked tasks and cancels tokens, and how a scope recognizes its own cancellations on the way out.
public sealed partial class CancelScope
{
    /// <summary>Whether <paramref name="error"/> is a cancellation that one of our scopes caused.</summary>
    internal static bool IsOurCancellation(Exception error)
        => error is Cancelled || (error is OperationCanceledException && s_ownTokenCancellations.TryGetValue(error, out _));

    /// <summary>Marks cancellations raised with this scope's token (by .NET APIs) as ours.</summary>
    internal void MarkOwnTokenCancellations(Exception error)
    {
        var source = TokenSourceOrNull;
        if (source is null)
            return;
        if (error is OperationCanceledException oce && oce.CancellationToken == source.Token)
            s_ownTokenCancellations.AddOrUpdate(error, this);
        else if (error is AggregateException aggregate)
        {
            foreach (var inner in aggregate.InnerExceptions)
                MarkOwnTokenCancellations(inner);
        }
    }

    /// <summary>
    /// Marks as ours the cancellations raised with the token of this scope or of a scope around it whose cancellation
    /// reaches in (up to the first shielded one, included): a .NET API that was handed <c>outer.Token</c> inside a
    /// nursery ends with the same cancellation as the nursery, not with a failure.
    /// </summary>
    internal void MarkTokenCancellationsReachingIn(Exception error)
    {
        if (error is Cancelled || error is not (OperationCanceledException or AggregateException))
            return;
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            scope.MarkOwnTokenCancellations(error);
            if (scope.Shield)
                break;
        }
    }

    /// <summary>Removes our cancellations from <paramref name="error"/>, also inside nested aggregates; null when nothing is left.</summary>
    internal static Exception? StripCancellations(Exception error, out bool stripped)
    {
        stripped = false;
        if (IsOurCancellation(error))
        {
            stripped = true;
            return null;
        }
        if (error is not AggregateException aggregate)
            return error;
        List<Exception>? kept = null;
        var inners = aggregate.InnerExceptions;
        for (int i = 0; i < inners.Count; i++)
        {
            var left = StripCancellations(inners[i], out bool innerStripped);
            if (innerStripped && kept is null)
            {
                // Not inners.Count: an aggregate of cancellations only (a cancelled nursery's) keeps none.
                kept = new List<Exception>(i + 1);
                for (int j = 0; j < i; j++)
                    kept.Add(inners[j]);
            }
            stripped |= innerStripped;
            if (kept is not null && left is not null)
                kept.Add(left);
        }
        if (kept is null)
            return error;
        return kept.Count == 0 ? null : FailedTask.Remaining(aggregate, kept);
    }

    /// <summary>Requests cancellation: sets the flag (first reason wins) and, if active, cancels the subtree.</summary>
    /// <param name="reason">Why, for the exception and the task tree.</param>
    /// <param name="byDeadline">Whether the deadline passed (FailAfter turns that into TimeoutException).</param>
    /// <param name="errorsTo">Where errors of token callbacks go when nobody called us to throw them to (a timer fired):
    /// that scope's exit, noted before any task wakes. Null: they are thrown to the caller.</param>
    /// <param name="cause">Why, for the metrics (a deadline whatever this says when <paramref name="byDeadline"/>).</param>
    internal void RequestCancel(string reason, bool byDeadline, CancelScope? errorsTo = null, CancelCause cause = CancelCause.Explicit)
    {
        Interlocked.CompareExchange(ref _reason, reason, null);
        if (Interlocked.CompareExchange(ref _cancelRequested, 1, 0) != 0)
            return;
        NurseryTelemetry.ScopeCancelled(this, byDeadline ? CancelCause.Deadline : cause);
        if (byDeadline && ReferenceEquals(_reason, reason))
            _cancelledByDeadline = true;
        if (Volatile.Read(ref _state) == Unentered)
        {
            TokenSourceOrNull?.Cancel();
            return;
        }
        if (ForeignThreadOnLoop(out var loop))
        {
            loop.PostInternal(PropagateFromLoop);
            return;
        }
        PendingCancellation tokens = default;
        using (new ScopeGate(Gate))
        {
            if (_state == Active)
            {
                DisarmTimer();
                Refresh(this, ref tokens);
            }
        }
        CancelTokens(ref tokens, errorsTo);
    }

    void PropagateFromLoop()
    {
        PendingCancellation tokens = default;
        if (_state == Active)
        {
            DisarmTimer();
            Refresh(this, ref tokens);
        }
        CancelTokens(ref tokens);
    }

    bool ForeignThreadOnLoop(out Loop loop)
    {
        loop = LoopOwner!;
        return loop is not null && Volatile.Read(ref _state) == Active && !loop.IsOnLoopThread;
    }

    CancelScope? Compute(CancelScope? parentCanceller)
        => !_shield && parentCanceller is not null ? parentCanceller
            : Volatile.Read(ref _cancelRequested) != 0 ? this : null;

    /// <summary>
    /// Recomputes which scope's cancellation reaches each scope of <paramref name="start"/>'s subtree, and collects
    /// the tokens to cancel and the parked tasks to wake of the scopes that became cancelled, for
    /// <see cref="CancelTokens"/> once the gate is left.
    /// Iterative, so 5,000 nested scopes do not overflow the stack. Caller holds the gate (or is on the loop).
    /// </summary>
    static void Refresh(CancelScope start, ref PendingCancellation tokens)
    {
        var node = start;
        while (true)
        {
            var canceller = node.Compute(node.Parent?.EffectiveCanceller);
            bool changed = !ReferenceEquals(canceller, node.EffectiveCanceller);
            if (changed)
            {
                bool newlyCancelled = node.EffectiveCanceller is null;
                node.EffectiveCanceller = canceller;
                if (newlyCancelled && canceller is not null && !ReferenceEquals(canceller, node))
                    NurseryTelemetry.ScopeCancelled(node, CancelCause.Outer);
                Interlocked.MemoryBarrier(); // pairs with the Token getter: it sees the canceller or we see its source
                if (canceller is null)
                {
                    // Shielded after the fact: a cancelled token cannot be un-cancelled, so hand out a fresh one.
                    if (node._rare is { TokenSource.IsCancellationRequested: true } rare)
                        rare.TokenSource = null;
                }
                else if (newlyCancelled)
                {
                    if (node._rare?.TokenSource is { } source)
                        tokens.AddToken(source);
                    if (node._parkedHead is not null && node.LoopOwner is not null)
                        tokens.AddWakeScope(node, canceller);
                    else
                    {
                        for (var parked = node._parkedHead; parked is not null; parked = parked.ScopeNext)
                            tokens.AddWake(parked, parked.Version, new Cancelled(canceller));
                    }
                }
            }
            if ((changed || ReferenceEquals(node, start)) && node._firstChild is not null)
            {
                node = node._firstChild;
                continue;
            }
            while (!ReferenceEquals(node, start) && node._nextSibling is null)
                node = node.Parent!;
            if (ReferenceEquals(node, start))
                return;
            node = node._nextSibling!;
        }
    }

    /// <summary>
    /// Carries out what <see cref="Refresh"/> collected, outside the gate: first the tokens are cancelled, then the
    /// parked tasks are woken. In that order, a task never resumes (and leaves its scope) before the callbacks on its
    /// scopes' tokens have run, so an error they throw still reaches the scope's exit (see ILoopTimer.Fire).
    /// </summary>
    /// <exception cref="AggregateException">Callbacks registered on the tokens threw; every task was woken all the same.</exception>
    static void CancelTokens(ref PendingCancellation pending, CancelScope? errorsTo = null)
    {
        if (pending.IsEmpty)
            return;
        List<Exception>? errors = null;
        try
        {
            foreach (var source in pending.Tokens ?? (IEnumerable<CancellationTokenSource>)[])
            {
                try
                {
                    source.Cancel();
                }
                catch (AggregateException e)
                {
                    (errors ??= []).AddRange(e.InnerExceptions);
                }
            }
        }
        finally
        {
            if (errors is not null && errorsTo is not null)
            {
                errorsTo.NoteCallbackError(new AggregateException("Callbacks registered on a cancel scope's token threw.", errors));
                errors = null;
            }
            // The version: a task woken meanwhile by something else, and parked again since, is left alone.
            if (pending.Wakes is { } wakes)
            {
                foreach (var (parker, version, error) in wakes)
                    parker.TryAbort(version, error, unthrown: true);
            }
            if (pending.FirstWakeScope is { } first)
            {
                WakeParked(first, pending.FirstWakeCanceller!);
                foreach (var (scope, canceller) in pending.MoreWakeScopes ?? (IEnumerable<(CancelScope, CancelScope)>)[])
                    WakeParked(scope, canceller);
            }
        }
        if (errors is not null)
            throw new AggregateException("Callbacks registered on a cancel scope's token threw.", errors);
    }

    /// <summary>On the loop: wakes every task parked in <paramref name="scope"/> with the cancellation of <paramref name="canceller"/>.</summary>
    static void WakeParked(CancelScope scope, CancelScope canceller)
    {
        for (var parked = scope._parkedHead; parked is not null; parked = parked.ScopeNext)
        {
            if (parked.IsParked)
                parked.TryAbortUnthrown(new Cancelled(canceller));
        }
    }

    /// <summary>Why the scope was cancelled (<see cref="CancelReasons.Explicit"/> if it was not): a deadline's text is built on the first read.</summary>
    internal string ReasonText
    {
        get
        {
            var reason = Volatile.Read(ref _reason);
            return ReferenceEquals(reason, s_deadlineReasonUnbuilt) ? BuildDeadlineReason() : reason ?? CancelReasons.Explicit;
        }
    }

    // The deadline that fired is still _deadline (whatever would change it builds the text first: see
    // BuildDeadlineReasonBeforeChange), and a scope cancelled by its timer was entered, so "now" is the deadline.
    string BuildDeadlineReason()
    {
        string built = DeadlineReason(_deadline.Ticks, _deadline.Ticks);
        var previous = Interlocked.CompareExchange(ref _reason, built, s_deadlineReasonUnbuilt);
        return ReferenceEquals(previous, s_deadlineReasonUnbuilt) ? built : previous!;
    }

    /// <summary>Builds a pending deadline reason now, before the deadline, the wall-clock table or the override it is built from changes.</summary>
    void BuildDeadlineReasonBeforeChange()
    {
        if (ReferenceEquals(Volatile.Read(ref _reason), s_deadlineReasonUnbuilt))
            BuildDeadlineReason();
    }

    /// <summary>The exception a checkpoint throws in code whose innermost scope is this one, or null when it is not cancelled.</summary>
    internal Cancelled? CancellationHere()
        => EffectiveCanceller is { } canceller ? new Cancelled(canceller) : null;

    /// <summary>A checkpoint that yielded in this scope resumes: a cancellation that arrived while it waited its turn is delivered there.</summary>
    Exception? IResumeCheck.CheckOnResume() => CancellationHere();

    /// <summary>Registers a parked task so that a cancellation wakes it; wakes it at once if the scope is cancelled already.</summary>
    internal void RegisterParked(Parker parker)
    {
        using (new ScopeGate(Gate))
        {
            if (EffectiveCanceller is { } canceller)
            {
                parker.TryAbortUnthrown(new Cancelled(canceller));
                return;
            }
            parker.ScopeNext = _parkedHead;
            parker.ScopePrevious = null;
            if (_parkedHead is not null)
                _parkedHead.ScopePrevious = parker;
            _parkedHead = parker;
            parker.Registration = this;
        }
    }

    void IParkRegistration.Unregister(Parker parker)
    {
        using (new ScopeGate(Gate))
        {
            if (parker.ScopePrevious is not null)
                parker.ScopePrevious.ScopeNext = parker.ScopeNext;
            else if (ReferenceEquals(_parkedHead, parker))
                _parkedHead = parker.ScopeNext;
            if (parker.ScopeNext is not null)
                parker.ScopeNext.ScopePrevious = parker.ScopePrevious;
            parker.ScopeNext = parker.ScopePrevious = null;
        }
    }
}
