using System.Net.Http.Headers;

namespace Structured;

/// <summary>
/// An <see cref="HttpClient"/> handler that carries the calling code's cancel scope across the call: it sends the time
/// left before <see cref="CancelScope.CurrentEffectiveDeadline"/> in a header (in the <c>grpc-timeout</c> format, see
/// <see cref="GrpcTimeout"/>), and cancels the call when the scope is cancelled. A deadline that has passed fails the
/// call before anything is sent.
/// </summary>
/// <remarks>
/// <para>Register it with <c>services.AddHttpClient(...).AddStructuredDeadlines()</c>, or put it in a handler chain
/// yourself. The handler is stateless: one instance serves any number of calls, from any flow.</para>
/// <para><b>Errors.</b> When the scope is cancelled (before or during the call) or its deadline passes, the call throws
/// the scope's <see cref="Cancelled"/> with the scope's reason, which the scope catches at its exit as its own
/// cancellation (<c>MoveOnAfter</c> moves on, <c>FailAfter</c> turns it into a <see cref="TimeoutException"/>, a request's
/// scope answers 504). Other errors, and a cancellation by the token given to <c>SendAsync</c>, come out unchanged.</para>
/// <para>Outside any scope, or with no deadline, no header is sent and only the scope's cancellation applies. The
/// remaining time is on the caller's clock (<see cref="Time.Now"/>): a virtual clock's time on a test loop.</para>
/// </remarks>
public sealed class StructuredDeadlineHandler : DelegatingHandler
{
    /// <summary>A handler that sends the deadline in <paramref name="headerName"/>; set <see cref="DelegatingHandler.InnerHandler"/>, or let <c>IHttpClientFactory</c> do it.</summary>
    /// <param name="headerName">The header to send; the receiver's <see cref="StructuredRequestOptions.DeadlineHeader"/> must name it. The default is <see cref="StructuredRequestOptions.DefaultDeadlineHeader"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="headerName"/> is null, empty or white space.</exception>
    public StructuredDeadlineHandler(string headerName = StructuredRequestOptions.DefaultDeadlineHeader)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(headerName);
        HeaderName = headerName;
    }

    /// <summary>The header the remaining time is sent in.</summary>
    public string HeaderName { get; }

    /// <summary>Sends <paramref name="request"/> with the remaining deadline, cancelled with the calling code's scope.</summary>
    /// <exception cref="Cancelled">The calling code's scope is cancelled or its deadline has passed (before the call: nothing was sent).</exception>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Fails here, before a byte is sent, when the deadline has passed.
        var remaining = await OutgoingDeadline.RemainingAsync();
        if (remaining is { } left)
        {
            request.Headers.Remove(HeaderName);
            request.Headers.TryAddWithoutValidation(HeaderName, GrpcTimeout.Format(left));
        }
        var scopeToken = CancelScope.CurrentToken;
        if (!scopeToken.CanBeCanceled)
            return await base.SendAsync(request, cancellationToken);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, scopeToken);
        try
        {
            return await base.SendAsync(request, linked.Token);
        }
        catch (OperationCanceledException) when (scopeToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The scope ended the call: its own Cancelled, with its reason, rather than an exception no scope owns.
            await OutgoingDeadline.ThrowIfScopeEndedAsync();
            throw;
        }
    }
}
