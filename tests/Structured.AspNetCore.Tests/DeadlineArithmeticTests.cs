using Grpc.Core;
using Grpc.Core.Interceptors;
using Structured.Testing;

namespace AspNetCoreTests;

/// <summary>
/// The deadline arithmetic of a hop, on a test loop's virtual clock: the header the caller sends, where the callee's
/// deadline falls, and how the chain ends for each order of the two deadlines, to the tick. The "network" is a handler
/// that sleeps the time on the wire; the "callee" a scope with the deadline the header says.
/// </summary>
public sealed class DeadlineArithmeticTests
{
    static readonly Uri Stock = new("http://stock/x");

    // 1234.5678 ms: the header says 1234m, 0.5678 ms less than the caller has.
    static readonly TimeSpan CallerTimeout = TimeSpan.FromTicks(12_345_678);

    /// <summary>A network and a callee: the request takes <paramref name="wire"/> there, the callee waits for its deadline (the header's), the answer takes <paramref name="wire"/> back.</summary>
    sealed class Callee(TimeSpan wire, Func<TimeSpan, HttpStatusCode>? answerAfter = null) : HttpMessageHandler
    {
        public readonly List<string?> Headers = [];
        public TimeSpan CalleeDeadline;
        public bool CalleeDeadlineFired;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Headers.Add(request.Headers.TryGetValues(StructuredRequestOptions.DefaultDeadlineHeader, out var values) ? values.Single() : null);
            await Time.SleepAsync(wire);
            if (answerAfter is not null)
            {
                var status = answerAfter(Time.Now);
                await Time.SleepAsync(wire);
                return new HttpResponseMessage(status);
            }
            Assert.True(GrpcTimeout.TryParse(Headers[^1], out var timeout));
            // The callee's request scope: its deadline counts from when the request reached it.
            var scope = CancelScope.MoveOnAfter(timeout);
            await scope.RunAsync(async () =>
            {
                CalleeDeadline = scope.Deadline;
                await Time.SleepForeverAsync();
            });
            CalleeDeadlineFired = scope.CancelledCaught;
            await Time.SleepAsync(wire);
            return new HttpResponseMessage(HttpStatusCode.GatewayTimeout);
        }
    }

    sealed record Outcome(CancelScope Scope, TimeSpan EndedAt, HttpStatusCode? Answer, Exception? Error);

    /// <summary>One call from a scope of <see cref="CallerTimeout"/> entered at virtual time zero.</summary>
    static Outcome Call(HttpMessageHandler network, TimeSpan margin, bool failAfter = false)
    {
        Outcome? outcome = null;
        TestLoop.Run(async () =>
        {
            using var invoker = new HttpMessageInvoker(new StructuredDeadlineHandler(margin: margin) { InnerHandler = network });
            HttpStatusCode? answer = null;
            Exception? error = null;
            var scope = CancelScope.MoveOnAfter(CallerTimeout);
            async Task Body()
            {
                using var message = new HttpRequestMessage(HttpMethod.Get, Stock);
                using var response = await invoker.SendAsync(message, CancellationToken.None);
                answer = response.StatusCode;
            }
            try
            {
                if (failAfter)
                    await CancelScope.FailAfter(CallerTimeout, Body);
                else
                    await scope.RunAsync(Body);
            }
            catch (TimeoutException e)
            {
                error = e;
            }
            outcome = new Outcome(scope, Time.Now, answer, error);
        });
        return outcome!;
    }

    [Theory]
    [InlineData(0, "1234m")]
    [InlineData(200, "1034m")]
    [InlineData(1234, "567u")]
    public void The_header_is_the_time_left_less_the_margin_rounded_down(int marginMs, string header)
    {
        var network = new Callee(TimeSpan.Zero, _ => HttpStatusCode.OK);
        var outcome = Call(network, TimeSpan.FromMilliseconds(marginMs));
        Assert.Equal(HttpStatusCode.OK, outcome.Answer);
        Assert.Equal([header], network.Headers);
    }

    [Fact]
    public void Without_a_margin_the_callees_deadline_falls_before_the_callers_when_the_wire_takes_less_than_the_rounding()
    {
        // 0.1 ms on the wire each way, 0.5678 ms lost to the rounding: the callee's deadline fires at 0.1 + 1234 ms, and
        // its 504 is back at 1234.2 ms, before the caller's deadline at 1234.5678 ms.
        var network = new Callee(TimeSpan.FromTicks(1_000));
        var outcome = Call(network, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromTicks(12_341_000), network.CalleeDeadline);
        Assert.True(network.CalleeDeadlineFired);
        // The 504 for the deadline it sent came back a moment before the caller's own deadline: the call waits for it,
        // and the caller's scope ends with its own deadline, not with the callee's 504 as its answer.
        Assert.Null(outcome.Answer);
        Assert.True(outcome.Scope.CancelledCaught);
        Assert.Equal(CallerTimeout, outcome.EndedAt);
        Assert.DoesNotContain("downstream", outcome.Scope.CancelReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_margin_the_callers_deadline_fires_first_when_the_wire_takes_more_than_the_rounding()
    {
        // 1 ms on the wire: the callee's deadline (1235 ms) comes after the caller's, which cancels the call in flight.
        var network = new Callee(TimeSpan.FromMilliseconds(1));
        var outcome = Call(network, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromMilliseconds(1235), network.CalleeDeadline);
        Assert.False(network.CalleeDeadlineFired);
        Assert.Null(outcome.Answer);
        Assert.True(outcome.Scope.CancelledCaught);
        Assert.Equal(CallerTimeout, outcome.EndedAt);
    }

    [Fact]
    public void With_a_margin_the_callees_504_ends_the_caller_as_its_deadline_at_once_with_a_reason_naming_the_hop()
    {
        var network = new Callee(TimeSpan.FromMilliseconds(1));
        var outcome = Call(network, TimeSpan.FromMilliseconds(100));
        // The callee's deadline: 1 ms on the wire + 1134 ms; its 504 is back 1 ms later, 99.5678 ms before the caller's.
        Assert.Equal(TimeSpan.FromMilliseconds(1135), network.CalleeDeadline);
        Assert.True(network.CalleeDeadlineFired);
        Assert.True(outcome.Scope.CancelledCaught);
        Assert.Equal(TimeSpan.FromMilliseconds(1136), outcome.EndedAt);
        Assert.Equal(
            "deadline 1.235 s after entry passed downstream: GET http://stock/x answered 504 Gateway Timeout when the 1134 ms it was sent in 'Request-Timeout' ran out (100 ms before the deadline here)",
            outcome.Scope.CancelReason);
    }

    [Fact]
    public void With_a_margin_a_FailAfter_scope_whose_callee_ran_out_of_time_throws_TimeoutException()
    {
        var outcome = Call(new Callee(TimeSpan.FromMilliseconds(1)), TimeSpan.FromMilliseconds(100), failAfter: true);
        Assert.IsType<TimeoutException>(outcome.Error);
        Assert.Equal(TimeSpan.FromMilliseconds(1136), outcome.EndedAt);
    }

    [Fact]
    public void A_504_sooner_than_the_time_sent_is_not_the_deadline_and_is_the_callers_answer()
    {
        // A proxy that gives up after 10 ms of its own.
        var network = new Callee(TimeSpan.FromMilliseconds(5), _ => HttpStatusCode.GatewayTimeout);
        var outcome = Call(network, TimeSpan.FromMilliseconds(100));
        Assert.Equal(HttpStatusCode.GatewayTimeout, outcome.Answer);
        Assert.False(outcome.Scope.CancelCalled);
        Assert.Equal(TimeSpan.FromMilliseconds(10), outcome.EndedAt);
    }

    [Fact]
    public void A_call_with_no_more_than_the_margin_left_is_not_made_and_ends_the_caller_as_its_deadline()
    {
        var network = new Callee(TimeSpan.Zero, _ => HttpStatusCode.OK);
        var outcome = Call(network, CallerTimeout);
        Assert.Empty(network.Headers);
        Assert.True(outcome.Scope.CancelledCaught);
        Assert.Equal(TimeSpan.Zero, outcome.EndedAt);
        Assert.Equal(
            "deadline 1.235 s after entry passed before GET http://stock/x was sent: 1234.568 ms remained, no more than the margin of 1234.568 ms kept back for the answer",
            outcome.Scope.CancelReason);
    }

    // gRPC: a CallInvoker that fails with DeadlineExceeded after a virtual delay, as a server whose deadline fired.
    sealed class DeadlineServer(TimeSpan after) : CallInvoker
    {
        public int Calls;

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        {
            Calls++;
            return new AsyncUnaryCall<TResponse>(FailAsync<TResponse>(), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }

        async Task<T> FailAsync<T>()
        {
            await Time.SleepAsync(after);
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
        }

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();
    }

    static (CancelScope Scope, TimeSpan EndedAt, int Calls) GrpcCall(TimeSpan margin, TimeSpan serverAfter)
    {
        (CancelScope, TimeSpan, int)? outcome = null;
        TestLoop.Run(async () =>
        {
            var server = new DeadlineServer(serverAfter);
            var invoker = server.Intercept(new StructuredDeadlineInterceptor(margin));
            var scope = CancelScope.MoveOnAfter(TimeSpan.FromSeconds(1));
            await scope.RunAsync(async () => await invoker.AsyncUnaryCall(StockGrpcService.GetMethod, null, new CallOptions(), "anvil"));
            outcome = (scope, Time.Now, server.Calls);
        });
        return outcome!.Value;
    }

    [Fact]
    public void Over_gRPC_with_a_margin_DeadlineExceeded_ends_the_caller_as_its_deadline_at_once_naming_the_call()
    {
        var (scope, endedAt, calls) = GrpcCall(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(900));
        Assert.Equal(1, calls);
        Assert.True(scope.CancelledCaught);
        Assert.Equal(TimeSpan.FromMilliseconds(900), endedAt);
        Assert.Equal(
            "deadline 1 s after entry passed downstream: /test.Stock/Get ended with DeadlineExceeded (Deadline Exceeded) when the 900 ms it was given ran out (100 ms before the deadline here)",
            scope.CancelReason);
    }

    [Fact]
    public void Over_gRPC_without_a_margin_DeadlineExceeded_waits_for_the_callers_own_deadline()
    {
        // The gRPC client's timer runs on the wall clock and may fire a moment before the scope's.
        var (scope, endedAt, _) = GrpcCall(TimeSpan.Zero, TimeSpan.FromMilliseconds(999));
        Assert.True(scope.CancelledCaught);
        Assert.Equal(TimeSpan.FromSeconds(1), endedAt);
        Assert.Equal("deadline 1 s after entry passed", scope.CancelReason);
    }

    [Fact]
    public void Over_gRPC_a_call_with_no_more_than_the_margin_left_is_not_made()
    {
        var (scope, endedAt, calls) = GrpcCall(TimeSpan.FromSeconds(1), TimeSpan.Zero);
        Assert.Equal(0, calls);
        Assert.True(scope.CancelledCaught);
        Assert.Equal(TimeSpan.Zero, endedAt);
        Assert.StartsWith("deadline 1 s after entry passed before /test.Stock/Get was called: ", scope.CancelReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_margin_is_refused()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new StructuredDeadlineInterceptor(TimeSpan.FromMilliseconds(-1)));
}
