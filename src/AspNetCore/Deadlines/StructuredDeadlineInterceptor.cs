using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Structured;

/// <summary>
/// A gRPC client interceptor that carries the calling code's cancel scope across the call: the call's deadline becomes
/// the earlier of its own and the scope's effective deadline (<see cref="CancelScope.CurrentEffectiveDeadline"/>, sent as
/// <c>grpc-timeout</c>), and the call is cancelled with the scope. A unary call whose deadline has passed fails before
/// anything is sent.
/// </summary>
/// <remarks>
/// <para>Use it with <c>channel.Intercept(new StructuredDeadlineInterceptor())</c>, or
/// <c>services.AddGrpcClient&lt;T&gt;(...).AddInterceptor(() =&gt; new StructuredDeadlineInterceptor())</c>. It is stateless.</para>
/// <para><b>Errors of unary calls.</b> When the scope is cancelled (before or during the call) or its deadline passes, the
/// call throws the scope's <see cref="Cancelled"/> with the scope's reason (rather than an <see cref="RpcException"/> with
/// <see cref="StatusCode.Cancelled"/> or <see cref="StatusCode.DeadlineExceeded"/>), which the scope catches as its own.
/// A deadline the caller set in <see cref="CallOptions"/> that is earlier than the scope's stays the caller's: its
/// <see cref="StatusCode.DeadlineExceeded"/> comes out unchanged.</para>
/// <para><b>The margin.</b> With <see cref="StructuredDeadlineInterceptor(TimeSpan)"/>, the call's deadline is the scope's
/// less the margin, so that the call ends (the gRPC client's own timer, or the server's status) while the caller can
/// still answer. Its <see cref="StatusCode.DeadlineExceeded"/> then ends the caller as its deadline at once: the scope
/// that owns the deadline is cancelled as by its deadline, with a reason naming the call ("... passed downstream:
/// /pkg.Service/Method ended with DeadlineExceeded ..."); a unary call with no more than the margin left is not made and
/// ends the caller the same way. Without a margin the call's deadline is the scope's, and its end waits for the scope's
/// own deadline.</para>
/// <para><b>Streaming and blocking calls</b> get the deadline and the cancellation too, and a scope already cancelled
/// throws its <see cref="Cancelled"/> at once; a deadline that has passed but whose scope has not fired yet is left to the
/// gRPC client, which fails the call with <see cref="StatusCode.DeadlineExceeded"/> without sending it; errors while the
/// call runs come out as the gRPC client raises them.</para>
/// <para>The deadline is converted from the caller's clock (<see cref="Time.Now"/>) to the wall clock that
/// <see cref="CallOptions.Deadline"/> uses, at the moment the call starts.</para>
/// </remarks>
public sealed class StructuredDeadlineInterceptor : Interceptor
{
    /// <summary>An interceptor that gives each call the scope's whole remaining deadline (no margin).</summary>
    public StructuredDeadlineInterceptor()
    {
    }

    /// <summary>An interceptor that gives each call the scope's remaining deadline less <paramref name="margin"/>, kept back for the answer.</summary>
    /// <param name="margin">
    /// The time kept back: the server's deadline fires that much before the caller's, so that its
    /// <see cref="StatusCode.DeadlineExceeded"/> gets back while the caller can still answer (see the remarks).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="margin"/> is negative.</exception>
    public StructuredDeadlineInterceptor(TimeSpan margin)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(margin, TimeSpan.Zero);
        Margin = margin;
    }

    /// <summary>The time kept back for the answer: each call's deadline is the scope's less this. Zero by default.</summary>
    public TimeSpan Margin { get; }

    /// <inheritdoc/>
    /// <exception cref="Cancelled">The calling code's scope is cancelled or its deadline has passed.</exception>
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var call = Prepare(context, Margin, out bool passed);
        if (passed || call.NoTimeLeft)
        {
            // Nothing is sent: the call's tasks fail with the scope's cancellation (awaited in the caller's flow).
            var failure = passed ? FailAsync() : call.NotSentAsync();
            return new AsyncUnaryCall<TResponse>(
                ThrowAsync<TResponse>(failure), ThrowAsync<Metadata>(failure),
                static () => new Status(StatusCode.DeadlineExceeded, "the deadline of the calling scope had passed: the call was not sent"),
                static () => [], static () => { });
        }
        var inner = continuation(request, call.Context);
        return new AsyncUnaryCall<TResponse>(
            call.ConvertAsync(inner.ResponseAsync), inner.ResponseHeadersAsync, inner.GetStatus, inner.GetTrailers,
            () =>
            {
                inner.Dispose();
                call.Dispose();
            });
    }

    /// <inheritdoc/>
    /// <exception cref="Cancelled">The calling code's scope is cancelled.</exception>
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Checkpoint.ThrowIfCancelled();
        using var call = Prepare(context, Margin, out _);
        try
        {
            return continuation(request, call.Context);
        }
        catch (RpcException e) when (call.EndedByScope(e))
        {
            Checkpoint.ThrowIfCancelled();
            throw;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="Cancelled">The calling code's scope is cancelled.</exception>
    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Checkpoint.ThrowIfCancelled();
        var call = Prepare(context, Margin, out _);
        var inner = continuation(request, call.Context);
        return new AsyncServerStreamingCall<TResponse>(inner.ResponseStream, inner.ResponseHeadersAsync, inner.GetStatus, inner.GetTrailers,
            () =>
            {
                inner.Dispose();
                call.Dispose();
            });
    }

    /// <inheritdoc/>
    /// <exception cref="Cancelled">The calling code's scope is cancelled.</exception>
    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Checkpoint.ThrowIfCancelled();
        var call = Prepare(context, Margin, out _);
        var inner = continuation(call.Context);
        return new AsyncClientStreamingCall<TRequest, TResponse>(inner.RequestStream, call.ConvertAsync(inner.ResponseAsync), inner.ResponseHeadersAsync,
            inner.GetStatus, inner.GetTrailers,
            () =>
            {
                inner.Dispose();
                call.Dispose();
            });
    }

    /// <inheritdoc/>
    /// <exception cref="Cancelled">The calling code's scope is cancelled.</exception>
    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Checkpoint.ThrowIfCancelled();
        var call = Prepare(context, Margin, out _);
        var inner = continuation(call.Context);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(inner.RequestStream, inner.ResponseStream, inner.ResponseHeadersAsync,
            inner.GetStatus, inner.GetTrailers,
            () =>
            {
                inner.Dispose();
                call.Dispose();
            });
    }

    /// <summary>The call's options with the scope's deadline and token; <paramref name="passed"/> when the deadline has passed.</summary>
    static ScopedCall<TRequest, TResponse> Prepare<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, TimeSpan margin, out bool passed)
        where TRequest : class
        where TResponse : class
    {
        var options = context.Options;
        var deadline = CancelScope.CurrentEffectiveDeadline;
        var now = Time.Now;
        passed = deadline == TimeSpan.MinValue || (deadline != TimeSpan.MaxValue && deadline <= now);
        bool scopeDeadline = false;
        var remaining = TimeSpan.Zero;
        if (deadline != TimeSpan.MaxValue && deadline != TimeSpan.MinValue)
        {
            remaining = passed ? TimeSpan.Zero : deadline - now;
            // The call gets what remains less the margin (none left: the gRPC client fails it without sending).
            var sent = remaining > margin ? remaining - margin : TimeSpan.Zero;
            var wall = TimeProvider.System.GetUtcNow().UtcDateTime;
            var at = sent >= DateTime.MaxValue - wall ? DateTime.MaxValue : wall + sent;
            if (options.Deadline is not { } own || at < own)
            {
                options = options.WithDeadline(at);
                scopeDeadline = true;
            }
        }
        var scopeToken = CancelScope.CurrentToken;
        CancellationTokenSource? linked = null;
        if (scopeToken.CanBeCanceled)
        {
            if (options.CancellationToken.CanBeCanceled)
            {
                linked = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, scopeToken);
                options = options.WithCancellationToken(linked.Token);
            }
            else
            {
                options = options.WithCancellationToken(scopeToken);
            }
        }
        var adjusted = new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, options);
        return new ScopedCall<TRequest, TResponse>(adjusted, scopeDeadline ? deadline : null, linked, margin, remaining, scopeToken);
    }

    static async Task FailAsync()
    {
        await OutgoingDeadline.ThrowIfScopeEndedAsync();
        // The deadline moved away meanwhile; the call was not sent all the same.
        throw new RpcException(new Status(StatusCode.DeadlineExceeded, "the deadline of the calling scope had passed: the call was not sent"));
    }

    static async Task<T> ThrowAsync<T>(Task failure)
    {
        await failure;
        throw new InvalidOperationException("unreachable: the failure task always throws");
    }
}
