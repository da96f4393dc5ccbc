using System.Diagnostics;

namespace Structured;

/// <summary>
/// The one park of a blocked select, shared by the waiters it queued in each of its channels: the claim that lets
/// exactly one channel complete it, and the abort that takes every waiter out of its queue on cancellation.
/// </summary>
/// <remarks>
/// <para><b>Exactly one branch.</b> A channel that wants to hand an item to (or take an item from, or fail) one
/// branch first claims the select with a compare-and-swap, and only the claimant calls
/// <see cref="Parker.TryWake(short, Exception?)"/>. A channel that loses the claim treats the waiter as a
/// cancelled one (it gives nothing, takes nothing) and serves its next waiter. A cancellation does not claim: it
/// races the claimant on the parker's own compare-and-swap, and whoever wins the parker decides the outcome.</para>
/// <para><b>Who won.</b> A successful wake comes only from the claimant, so the claim names the branch. A wake with
/// an error names the claimed branch only if the error is the very object the claimant passed (an end of
/// stream, a closed end, a broken channel); otherwise a cancellation won and a claim, if any, is stale: its
/// channel failed to wake the parker and kept its item.</para>
/// </remarks>
[DebuggerDisplay("select, claim {_claim}")]
internal sealed class SelectWaiter : IParkWaiter
{
    static long s_order;

    SelectBranch[] _branches = [];
    int _count;
    Parker? _parker;
    short _token;
    int _claim;
    Exception? _claimError;

    /// <summary>A fresh position in the global lock order of channels.</summary>
    internal static long NextOrder() => Interlocked.Increment(ref s_order);

    /// <summary>Prepares one park; the caller holds every channel's lock and has not queued any branch yet.</summary>
    internal void Begin(Parker parker, SelectBranch[] branches, int count)
    {
        _branches = branches;
        _count = count;
        _parker = parker;
        _token = parker.Version;
        _claimError = null;
        Volatile.Write(ref _claim, 0);
    }

    /// <summary>Called by a channel, under its lock, for branch <paramref name="branch"/>: true when this call completed the select.</summary>
    internal bool TryClaim(int branch, Exception? error)
    {
        if (Interlocked.CompareExchange(ref _claim, branch + 1, 0) != 0)
            return false;
        _claimError = error;
        return _parker!.TryWake(_token, error);
    }

    /// <summary>The index of the branch that completed the select, or -1 when a cancellation did; once the task resumed.</summary>
    internal int Winner(Exception? error)
    {
        int claim = Volatile.Read(ref _claim);
        if (error is null)
        {
            Debug.Assert(claim > 0, "only a claimant wakes a select with success");
            return claim - 1;
        }
        return claim > 0 && ReferenceEquals(error, Volatile.Read(ref _claimError)) ? claim - 1 : -1;
    }

    /// <summary>Forgets the finished park.</summary>
    internal void End()
    {
        _branches = [];
        _parker = null;
        _claimError = null;
    }

    string IParkWaiter.Describe() => "Select.RunAsync";

    void IParkWaiter.Abort(Parker parker)
    {
        // A cancellation won the parker: drop the waiter of every branch from its queue (each under its own lock).
        var branches = _branches;
        for (int i = 0; i < _count && i < branches.Length; i++)
            branches[i].AbortWait(parker);
    }
}
