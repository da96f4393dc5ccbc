using System.Globalization;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Structured;

/// <summary>One gRPC call under a cancel scope: its adjusted context, and what turns the scope's end into the scope's <see cref="Cancelled"/>.</summary>
internal sealed class ScopedCall<TRequest, TResponse>(
    ClientInterceptorContext<TRequest, TResponse> context,
    TimeSpan? scopeDeadline,
    CancellationTokenSource? linked,
    TimeSpan margin,
    TimeSpan remaining,
    CancellationToken scopeToken) : IDisposable
    where TRequest : class
    where TResponse : class
{
    internal ClientInterceptorContext<TRequest, TResponse> Context => context;

    /// <summary>Whether the scope's deadline was the call's and no more than the margin of it remained: the call is not made.</summary>
    internal bool NoTimeLeft => scopeDeadline is not null && OutgoingDeadline.NoTimeLeft(remaining, margin);

    /// <summary>A call with no more than the margin left: ends the caller's flow as its deadline would (see <see cref="OutgoingDeadline.EndAsDeadlineAsync"/>).</summary>
    internal async Task NotSentAsync()
        => await OutgoingDeadline.NotSentAsync($"before {context.Method.FullName} was called", remaining, margin);

    /// <summary>Whether <paramref name="error"/> is the scope ending the call: its token cancelled it, or the deadline the scope set passed.</summary>
    internal bool EndedByScope(RpcException error)
        => (error.StatusCode == StatusCode.Cancelled && scopeToken.IsCancellationRequested)
            || (error.StatusCode == StatusCode.DeadlineExceeded && scopeDeadline is not null);

    /// <summary>The response, with the scope's end as the scope's <see cref="Cancelled"/>. Runs in the caller's flow.</summary>
    internal async Task<TResponse> ConvertAsync(Task<TResponse> response)
    {
        try
        {
            return await response;
        }
        catch (RpcException e) when (EndedByScope(e))
        {
            // The gRPC client's deadline timer (on the wall clock) may fire a moment before the scope's (on the monotonic
            // clock): wait for the scope's deadline, which cancels this sleep with the scope's Cancelled as it fires.
            if (e.StatusCode == StatusCode.DeadlineExceeded && scopeDeadline is { } deadline)
            {
                // With a margin, the deadline the call was given ran out that much before the caller's: the chain ends
                // as a deadline here too, now, with a reason that names the call.
                if (margin > TimeSpan.Zero && Time.Now < deadline)
                {
                    await OutgoingDeadline.EndAsDeadlineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"downstream: {context.Method.FullName} ended with DeadlineExceeded ({e.Status.Detail}) when the {(remaining - margin).TotalMilliseconds:0.###} ms it was given ran out ({margin.TotalMilliseconds:0.###} ms before the deadline here)"));
                }
                await Time.SleepUntilAsync(deadline);
            }
            await OutgoingDeadline.ThrowIfScopeEndedAsync();
            throw;
        }
    }

    public void Dispose() => linked?.Dispose();
}
