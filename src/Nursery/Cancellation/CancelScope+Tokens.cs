namespace Structured;

// CancelScope, part: .NET tokens, both ways: the scope's own Token for .NET APIs, and tokens from outside linked to the
// scope (CancelWhen), unlinked at its exit.
public sealed partial class CancelScope
{
    /// <summary>
    /// A token cancelled exactly when code in this scope is cancelled (by this scope or, unless shielded, an
    /// outer one). Pass it to .NET APIs; a cancellation they raise with it counts as this scope's own.
    /// </summary>
    public CancellationToken Token
    {
        get
        {
            var source = TokenSourceOrNull;
            if (source is null)
            {
                var created = new CancellationTokenSource();
                source = Interlocked.CompareExchange(ref Rare.TokenSource, created, null) ?? created;
                if (!ReferenceEquals(source, created))
                    created.Dispose();
                else if (EffectiveCanceller is not null || (Volatile.Read(ref _state) == Unentered && CancelCalled))
                    created.Cancel();
            }
            return source.Token;
        }
    }

    /// <summary>Creates a scope, not yet entered, that is cancelled when <paramref name="cancellationToken"/> is (see <see cref="CancelWhen"/>).</summary>
    /// <param name="cancellationToken">A token from outside (a host's stopping token, a request's abort token).</param>
    /// <param name="deadline">An absolute deadline on the clock of the code that enters the scope; null for none.</param>
    /// <param name="shield">Whether the scope keeps outer cancellation out.</param>
    public CancelScope(CancellationToken cancellationToken, TimeSpan? deadline = null, bool shield = false)
        : this(deadline, shield)
        => CancelWhen(cancellationToken);

    /// <summary>
    /// Links a <see cref="CancellationToken"/> from outside to this scope: when the token is cancelled, so is the
    /// scope, as if <see cref="Cancel(string?)"/> had been called, with a reason that names the token. A token
    /// cancelled already cancels the scope at once. The link ends when the scope exits.
    /// </summary>
    /// <param name="cancellationToken">The token to follow; <see cref="CancellationToken.None"/> is ignored.</param>
    /// <param name="reason">The reason shown in <see cref="CancelReason"/> and the <see cref="Cancelled"/> exception; null for "the CancellationToken given to CancelScope.CancelWhen was cancelled".</param>
    /// <returns>This scope, for chaining: <c>await CancelScope.MoveOnAfter(t).CancelWhen(stopping).RunAsync(...)</c>.</returns>
    /// <exception cref="InvalidOperationException">The scope has already run: link tokens before or while it runs.</exception>
    /// <remarks>The cancellation counts as this scope's own: the scope catches it at its exit, like its deadline.</remarks>
    public CancelScope CancelWhen(CancellationToken cancellationToken, string? reason = null)
    {
        if (Volatile.Read(ref _state) == Exited)
            throw new InvalidOperationException("CancelScope.CancelWhen: this scope has already run, so the token could cancel nothing. Link the token before RunAsync, or inside the body.");
        if (!cancellationToken.CanBeCanceled)
            return this;
        reason ??= CancelReasons.Token("CancelScope.CancelWhen");
        if (cancellationToken.IsCancellationRequested)
        {
            RequestCancel(reason, byDeadline: false, cause: CancelCause.Token);
            return this;
        }
        var registration = cancellationToken.UnsafeRegister(static (state, _) =>
        {
            var (scope, why) = ((CancelScope, string))state!;
            scope.RequestCancel(why, byDeadline: false, cause: CancelCause.Token);
        }, (this, reason));
        // Copy on write: CancelWhen may race with itself and with the exit, from any thread.
        while (true)
        {
            var rare = Rare;
            var links = Volatile.Read(ref rare.LinkedTokens);
            CancellationTokenRegistration[] grown = links is null ? [registration] : [.. links, registration];
            if (Interlocked.CompareExchange(ref rare.LinkedTokens, grown, links) == links)
                break;
        }
        return this;
    }

    void UnlinkTokens()
    {
        if (Volatile.Read(ref _rare) is not { } rare)
            return;
        foreach (var registration in Interlocked.Exchange(ref rare.LinkedTokens, null) ?? [])
            registration.Dispose();
    }
}
