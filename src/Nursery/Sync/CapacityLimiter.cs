using System.Diagnostics;

namespace Structured;

/// <summary>
/// Limits how many tasks (or other borrowers) do something at once (Trio's <c>trio.CapacityLimiter</c>): a pool
/// of <see cref="TotalTokens"/> tokens, each lent to one borrower at a time and given back by that borrower.
/// </summary>
/// <remarks>
/// <para><b>Borrowers.</b> <see cref="AcquireAsync"/> borrows for the calling task; <see cref="AcquireOnBehalfOfAsync"/>
/// for any object (compared with <see cref="object.Equals(object?)"/>). A borrower holds at most one token: borrowing
/// twice throws <see cref="InvalidOperationException"/>, and so does giving back a token it does not hold.
/// <see cref="ToThread.RunAsync{T}(Func{T}, bool, CapacityLimiter?, CancellationToken)"/> borrows one per worker
/// thread.</para>
/// <para><b>Fairness.</b> A released token goes straight to the first waiter, before <see cref="Release"/> returns.
/// Raising <see cref="TotalTokens"/> hands the new tokens to waiters before the setter returns; lowering it
/// takes effect as borrowers give tokens back (nobody loses a token).</para>
/// <para><b>Cancellation.</b> Acquiring is a checkpoint: it throws <see cref="Cancelled"/> in a cancelled scope even
/// when a token is free. A cancelled acquire takes no token and leaves no trace.</para>
/// <para>Thread-safe, on and off the loop.</para>
/// </remarks>
/// <example>
/// <code>
/// var limiter = new CapacityLimiter(10); // at most ten connections at once
/// await limiter.AcquireAsync();
/// try { await QueryAsync(); }
/// finally { limiter.Release(); }
/// </code>
/// </example>
[DebuggerDisplay("CapacityLimiter: {BorrowedTokens}/{TotalTokens}, waiting = {_lot.Count}")]
public sealed class CapacityLimiter
{
    // Tasks waiting for a token, each with its borrower in Parker.Payload; its gate guards every field below.
    readonly ParkingLot _lot = new("CapacityLimiter.AcquireAsync");
    readonly HashSet<object> _borrowers = [];
    int _total;
    int _borrowed;

    /// <summary>Creates a limiter that lends <paramref name="total"/> tokens.</summary>
    /// <param name="total">How many tokens; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="total"/> is less than 1.</exception>
    public CapacityLimiter(int total)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(total, 1);
        _total = total;
    }

    /// <summary>How many tokens the limiter lends at most. Settable at any time.</summary>
    /// <value>At least 1. Raising it hands the new tokens to waiting tasks before the setter returns; lowering it
    /// below <see cref="BorrowedTokens"/> takes effect as borrowers release.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value set is less than 1.</exception>
    public int TotalTokens
    {
        get => Volatile.Read(ref _total);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            lock (_lot.Gate)
            {
                Volatile.Write(ref _total, value);
                LendToWaitersLocked();
            }
        }
    }

    /// <summary>How many tokens are lent now.</summary>
    public int BorrowedTokens => Volatile.Read(ref _borrowed);

    /// <summary><see cref="TotalTokens"/> minus <see cref="BorrowedTokens"/>; negative after <see cref="TotalTokens"/> was lowered below the tokens lent (as in Trio).</summary>
    public int AvailableTokens
    {
        get
        {
            lock (_lot.Gate)
                return _total - _borrowed;
        }
    }

    /// <summary>A snapshot: tokens borrowed and in total, who holds them, and how many tasks wait.</summary>
    public CapacityLimiterStatistics Statistics
    {
        get
        {
            lock (_lot.Gate)
                return new CapacityLimiterStatistics(_borrowed, _total, [.. _borrowers], _lot.CountLocked);
        }
    }

    /// <summary>Borrows a token for the calling task, waiting in line while none is free. A checkpoint.</summary>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>A ValueTask that completes once the token is borrowed; await it once.</returns>
    /// <exception cref="InvalidOperationException">The calling task already holds a token of this limiter.</exception>
    /// <exception cref="Cancelled">The code is cancelled, before or while waiting; no token was taken.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; no token was taken.</exception>
    public ValueTask AcquireAsync(CancellationToken cancellationToken = default)
    {
        var task = SyncOwner.Current("CapacityLimiter.AcquireAsync");
        return AcquireCore(task, task, cancellationToken);
    }

    /// <summary>Borrows a token for <paramref name="borrower"/>, waiting in line while none is free. A checkpoint.</summary>
    /// <param name="borrower">Who holds the token until <see cref="ReleaseOnBehalfOf"/> gives it back.</param>
    /// <param name="cancellationToken">An extra token to honour besides the ambient cancel scope.</param>
    /// <returns>A ValueTask that completes once the token is borrowed; await it once.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="borrower"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="borrower"/> already holds, or already waits for, a token of this limiter.</exception>
    /// <exception cref="Cancelled">The code is cancelled, before or while waiting; no token was taken.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; no token was taken.</exception>
    public ValueTask AcquireOnBehalfOfAsync(object borrower, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(borrower);
        return AcquireCore(Blocking.CurrentTask(), borrower, cancellationToken);
    }

    /// <summary>Borrows a token for the calling task if one is free and nobody waits; never blocks, not a checkpoint.</summary>
    /// <returns>True when the task now holds a token.</returns>
    /// <exception cref="InvalidOperationException">The calling task already holds a token of this limiter.</exception>
    public bool TryAcquire() => TryAcquireCore(SyncOwner.Current("CapacityLimiter.TryAcquire"));

    /// <summary>Borrows a token for <paramref name="borrower"/> if one is free and nobody waits; never blocks, not a checkpoint.</summary>
    /// <param name="borrower">Who holds the token until <see cref="ReleaseOnBehalfOf"/> gives it back.</param>
    /// <returns>True when <paramref name="borrower"/> now holds a token.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="borrower"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="borrower"/> already holds, or already waits for, a token of this limiter.</exception>
    public bool TryAcquireOnBehalfOf(object borrower)
    {
        ArgumentNullException.ThrowIfNull(borrower);
        return TryAcquireCore(borrower);
    }

    /// <summary>Gives back the calling task's token; the first waiter gets it before this call returns.</summary>
    /// <exception cref="InvalidOperationException">The calling task holds no token of this limiter.</exception>
    public void Release()
    {
        var task = SyncOwner.CurrentOrNull;
        if (task is null)
            throw NotBorrowing("code outside any task");
        ReleaseOnBehalfOf(task);
    }

    /// <summary>Gives back <paramref name="borrower"/>'s token; the first waiter gets it before this call returns.</summary>
    /// <param name="borrower">The borrower given to <see cref="AcquireOnBehalfOfAsync"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="borrower"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="borrower"/> holds no token of this limiter.</exception>
    public void ReleaseOnBehalfOf(object borrower)
    {
        ArgumentNullException.ThrowIfNull(borrower);
        lock (_lot.Gate)
        {
            if (!_borrowers.Remove(borrower))
                throw NotBorrowing(borrower);
            Volatile.Write(ref _borrowed, _borrowed - 1);
            LendToWaitersLocked();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"CapacityLimiter ({BorrowedTokens}/{TotalTokens} borrowed, {_lot.Count} waiting)";

    ValueTask AcquireCore(TaskInfo task, object borrower, CancellationToken cancellationToken)
    {
        Blocking.ThrowIfCancelled(task);
        cancellationToken.ThrowIfCancellationRequested();
        Parker? parker = null;
        ValueTask wait = default;
        lock (_lot.Gate)
        {
            if (!TryLendLocked(borrower))
            {
                parker = task.RentParker();
                parker.Payload = borrower;
                wait = _lot.ParkLocked(parker);
            }
        }
        if (parker is null)
            return Blocking.CompletedWithoutBlocking(task);
        Blocking.RegisterWithScope(task, parker, cancellationToken);
        return wait;
    }

    bool TryAcquireCore(object borrower)
    {
        lock (_lot.Gate)
            return TryLendLocked(borrower);
    }

    /// <summary>Lends a token to <paramref name="borrower"/> if one is free and nobody waits. Caller holds the gate.</summary>
    bool TryLendLocked(object borrower)
    {
        if (_borrowers.Contains(borrower))
            throw new InvalidOperationException($"CapacityLimiter: {borrower} already holds one of this limiter's tokens; a borrower holds at most one. Release it first, or borrow on behalf of another object.");
        foreach (var waiting in _lot.EnumerateLocked())
        {
            if (Equals(waiting.Payload, borrower))
                throw new InvalidOperationException($"CapacityLimiter: {borrower} already waits for one of this limiter's tokens; a borrower holds at most one.");
        }
        if (_borrowed >= _total || _lot.CountLocked != 0)
            return false;
        _borrowers.Add(borrower);
        Volatile.Write(ref _borrowed, _borrowed + 1);
        return true;
    }

    /// <summary>Hands free tokens to the waiters, first come first served. Caller holds the gate.</summary>
    void LendToWaitersLocked()
    {
        while (_borrowed < _total && _lot.DequeueLocked() is { } next)
        {
            // Read the borrower before the wake: the woken task clears its parker's payload when it resumes.
            var borrower = next.Payload!;
            if (!next.TryWake())
                continue; // being cancelled: it takes nothing
            _borrowers.Add(borrower);
            Volatile.Write(ref _borrowed, _borrowed + 1);
        }
    }

    static InvalidOperationException NotBorrowing(object borrower)
        => new($"CapacityLimiter: {borrower} holds none of this limiter's tokens; release only a token you acquired, once, from the same task (or on behalf of the same borrower).");
}
