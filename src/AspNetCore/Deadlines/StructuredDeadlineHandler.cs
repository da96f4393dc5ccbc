using System.Globalization;
using System.Net;

namespace Structured;

/// <summary>
/// An <see cref="HttpClient"/> handler that carries the calling code's cancel scope across the call: it sends the time
/// left before <see cref="CancelScope.CurrentEffectiveDeadline"/> in a header (in the <c>grpc-timeout</c> format, see
/// <see cref="GrpcTimeout"/>), and cancels the call when the scope is cancelled. A deadline that has passed fails the
/// call before anything is sent.
/// </summary>
/// <remarks>
/// <para>Register it with <c>services.AddHttpClient(...).AddStructuredDeadlines()</c>, which puts it after every other
/// handler of the client (a resilience handler included, whatever the order of the calls), or put it in a handler chain
/// yourself, after any retrying handler. The handler is stateless: one instance serves any number of calls, from any flow.</para>
/// <para><b>Errors.</b> When the scope is cancelled (before or during the call) or its deadline passes, the call throws
/// the scope's <see cref="Cancelled"/> with the scope's reason, which the scope catches at its exit as its own
/// cancellation (<c>MoveOnAfter</c> moves on, <c>FailAfter</c> turns it into a <see cref="TimeoutException"/>, a request's
/// scope answers 504). Other errors, and a cancellation by the token given to <c>SendAsync</c> (a resilience handler's
/// attempt timeout), come out unchanged.</para>
/// <para><b>When the deadline runs out for the call.</b> The header is the remaining time less <see cref="Margin"/>, rounded
/// down to the millisecond. A call with no more than the margin left is not made, and a 504 that comes back once the time
/// it was sent has run out (the receiver's deadline, not a proxy's own timeout, which comes back sooner) is the deadline
/// too: the chain ends as a deadline at every hop. With a margin, the scope that owns the deadline is cancelled as by its
/// deadline at once, with its reason followed by the call's ("... passed downstream: GET http://stock/x answered 504
/// ..."); without one, the 504 came back within the header's rounding, a moment before the deadline here, and the call
/// waits for it: the scope's own deadline ends it.</para>
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

    /// <summary>
    /// The innermost handler of <c>AddStructuredDeadlines()</c> behind a <see cref="StructuredScopeLinkHandler"/>, which
    /// links the calling code's scope to the whole send already: then each attempt does not link it again.
    /// </summary>
    internal StructuredDeadlineHandler(string headerName, TimeSpan margin, bool scopeLinkedOutside)
        : this(headerName, margin)
        => _scopeLinkedOutside = scopeLinkedOutside;

    readonly bool _scopeLinkedOutside;
    volatile bool _chainChecked;

    /// <summary>The header the remaining time is sent in.</summary>
    public string HeaderName { get; }

    /// <summary>The time kept back for the answer: the receiver is told the remaining time less this.</summary>
    public TimeSpan Margin { get; }

    /// <summary>Sends <paramref name="request"/> with the remaining deadline, cancelled with the calling code's scope.</summary>
    /// <exception cref="InvalidOperationException">A resilience handler stands between this handler and the network (put this one after it).</exception>
    /// <exception cref="Cancelled">
    /// The calling code's scope is cancelled or its deadline has passed (before the call: nothing was sent); or the
    /// deadline ran out for this call: no more than <see cref="Margin"/> was left (nothing was sent), or the receiver
    /// answered 504 once the time it was sent had run out. In the last two cases the scope that owns the deadline is
    /// cancelled as by its deadline, with a reason that names the call.
    /// </exception>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_chainChecked)
            CheckChain();
        // Fails here, before a byte is sent, when the deadline has passed.
        var remaining = await OutgoingDeadline.RemainingAsync();
        var sent = TimeSpan.Zero;
        var sentAt = TimeSpan.Zero;
        if (remaining is { } left)
        {
            if (OutgoingDeadline.NoTimeLeft(left, Margin))
                await OutgoingDeadline.NotSentAsync($"before {request.Method} {request.RequestUri} was sent", left, Margin);
            string header = GrpcTimeout.Format(left - Margin);
            // What the receiver reads: the header is rounded down (to the millisecond, or coarser for long timeouts).
            if (!GrpcTimeout.TryParse(header, out sent))
                throw new InvalidOperationException($"unreachable: GrpcTimeout.Format wrote '{header}', which it cannot read");
            request.Headers.Remove(HeaderName);
            request.Headers.TryAddWithoutValidation(HeaderName, header);
            sentAt = Time.Now;
        }
        var response = await SendLinkedAsync(request, cancellationToken);
        // The receiver answers 504 for the deadline it was sent no earlier than that much after it got the request, so
        // no earlier than that much after now on this clock: a 504 sooner than that (a proxy's own timeout) is not ours.
        if (remaining is { } given && response.StatusCode == HttpStatusCode.GatewayTimeout && Time.Now - sentAt >= sent)
            await DeadlineRanOutDownstreamAsync(request, response, sent, sentAt + given);
        return response;
    }

    /// <summary>
    /// Refuses a chain where a retrying handler stands between this one and the network: each retry would send the
    /// remaining time of the first attempt, and the retry would resend a 504 that means the deadline ran out.
    /// </summary>
    void CheckChain()
    {
        for (var handler = InnerHandler; handler is DelegatingHandler inner; handler = inner.InnerHandler)
        {
            if (inner.GetType().FullName is { } name
                && (name.StartsWith("Microsoft.Extensions.Http.Resilience.", StringComparison.Ordinal) || name == "Microsoft.Extensions.Http.PolicyHttpMessageHandler"))
            {
                throw new InvalidOperationException(
                    $"StructuredDeadlineHandler stands before {name} in the client's handlers: every retry would send the time left at the first attempt. Register it with AddStructuredDeadlines(), which puts it after the resilience handler whatever the order of the calls, or add it after AddStandardResilienceHandler().");
            }
        }
        _chainChecked = true;
    }

    async Task<HttpResponseMessage> SendLinkedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Behind the outer half the token already follows the scope, which turns its end into its own Cancelled there.
        var scopeToken = _scopeLinkedOutside ? CancellationToken.None : CancelScope.CurrentToken;
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

    /// <summary>
    /// The receiver answered 504 for the deadline it was sent: the chain ends as a deadline here too. With a margin, the
    /// scope that owns the deadline is cancelled as by its deadline now (its reason names this call); without one, the
    /// 504 came back within the rounding of the header, a moment before the deadline here, which is awaited.
    /// </summary>
    async ValueTask DeadlineRanOutDownstreamAsync(HttpRequestMessage request, HttpResponseMessage response, TimeSpan sent, TimeSpan deadline)
    {
        if (Margin == TimeSpan.Zero)
        {
            // Throws the scope's own Cancelled as its deadline fires (the sleep may end a moment before the scope's timer
            // fires, or the 504 come back just after the deadline, before that timer fired: then the second wait throws
            // it); returns only when the deadline moved away meanwhile, and then the 504 is the answer.
            await Time.SleepUntilAsync(deadline);
            await OutgoingDeadline.ThrowIfScopeEndedAsync();
            return;
        }
        response.Dispose();
        await OutgoingDeadline.EndAsDeadlineAsync(string.Create(CultureInfo.InvariantCulture,
            $"downstream: {request.Method} {request.RequestUri} answered 504 Gateway Timeout when the {sent.TotalMilliseconds:0.###} ms it was sent in '{HeaderName}' ran out ({Margin.TotalMilliseconds:0.###} ms before the deadline here)"));
    }
}
