namespace Structured;

/// <summary>
/// The outer half of <c>AddStructuredDeadlines()</c> when other handlers (a resilience pipeline) stand between it and the
/// network: it cancels the whole send with the calling code's scope, the waits between retries included, and turns that
/// into the scope's own <see cref="Cancelled"/>. The deadline itself is sent by <see cref="StructuredDeadlineHandler"/>,
/// innermost, once per attempt.
/// </summary>
internal sealed class StructuredScopeLinkHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var scopeToken = CancelScope.CurrentToken;
        if (!scopeToken.CanBeCanceled)
            return await base.SendAsync(request, cancellationToken);
        Checkpoint.ThrowIfCancelled();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, scopeToken);
        try
        {
            return await base.SendAsync(request, linked.Token);
        }
        catch (OperationCanceledException e) when (e is not Cancelled && scopeToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A retry's wait, or an attempt, ended by the scope: the scope's own Cancelled, with its reason.
            await OutgoingDeadline.ThrowIfScopeEndedAsync();
            throw;
        }
    }
}
