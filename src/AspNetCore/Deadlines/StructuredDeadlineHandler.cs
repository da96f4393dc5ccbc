using System.Globalization;

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
/// <para><b>The margin.</b> The receiver counts the timeout from when the request reaches it, so its deadline falls a
/// little after the caller's, and the caller's own deadline always fires first: the receiver then sees an abort, not
/// its deadline. A margin kept back for the answer (<c>AddStructuredDeadlines(margin: ...)</c>) makes the receiver's
/// deadline fire that much earlier, so that its answer (a 504 naming the deadline) gets back in time. A call with no
/// more than the margin left is not made: it throws <see cref="TimeoutException"/>.</para>
/// <para>Outside any scope, or with no deadline, no header is sent and only the scope's cancellation applies. The
/// remaining time is on the caller's clock (<see cref="Time.Now"/>): a virtual clock's time on a test loop.</para>
/// </remarks>
public sealed class StructuredDeadlineHandler : DelegatingHandler
{
    /// <summary>A handler that sends the deadline in <paramref name="headerName"/>; set <see cref="DelegatingHandler.InnerHandler"/>, or let <c>IHttpClientFactory</c> do it.</summary>
    /// <param name="headerName">The header to send; the receiver's <see cref="StructuredRequestOptions.DeadlineHeader"/> must name it. The default is <see cref="StructuredRequestOptions.DefaultDeadlineHeader"/>.</param>
    /// <param name="margin">The time kept back for the answer: the receiver is told the remaining time less this (see the remarks). The default is zero.</param>
    /// <exception cref="ArgumentException"><paramref name="headerName"/> is null, empty or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="margin"/> is negative.</exception>
    public StructuredDeadlineHandler(string headerName = StructuredRequestOptions.DefaultDeadlineHeader, TimeSpan margin = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(headerName);
        ArgumentOutOfRangeException.ThrowIfLessThan(margin, TimeSpan.Zero);
        HeaderName = headerName;
        Margin = margin;
    }

    /// <summary>The header the remaining time is sent in.</summary>
    public string HeaderName { get; }

    /// <summary>The time kept back for the answer: the receiver is told the remaining time less this.</summary>
    public TimeSpan Margin { get; }

    /// <summary>Sends <paramref name="request"/> with the remaining deadline, cancelled with the calling code's scope.</summary>
    /// <exception cref="Cancelled">The calling code's scope is cancelled or its deadline has passed (before the call: nothing was sent).</exception>
    /// <exception cref="TimeoutException">No more than <see cref="Margin"/> is left before the deadline: nothing was sent.</exception>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Fails here, before a byte is sent, when the deadline has passed.
        var remaining = await OutgoingDeadline.RemainingAsync();
        if (remaining is { } left)
        {
            var sent = left - Margin;
            if (sent <= TimeSpan.Zero)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"{request.Method} {request.RequestUri} was not sent: {left.TotalMilliseconds:0.###} ms remain before the deadline, no more than the margin of {Margin.TotalMilliseconds:0.###} ms kept back for the answer (StructuredDeadlineHandler.Margin)."));
            }
            request.Headers.Remove(HeaderName);
            request.Headers.TryAddWithoutValidation(HeaderName, GrpcTimeout.Format(sent));
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
