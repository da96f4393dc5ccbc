using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace AspNetCoreTests;

/// <summary>Deadlines out: the HttpClient handler and the gRPC interceptor, against recording stand-ins for the network.</summary>
public sealed class DeadlineOutTests
{
    sealed class Recording : HttpMessageHandler
    {
        public int Calls;
        public string? Header;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            Header = request.Headers.TryGetValues("Request-Timeout", out var values) ? values.Single() : null;
            if (request.RequestUri!.AbsolutePath == "/hang")
                await Task.Delay(Timeout.Infinite, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }

    static (HttpClient Client, Recording Network) Client(TimeSpan margin = default)
    {
        var network = new Recording();
        return (new HttpClient(new StructuredDeadlineHandler(margin: margin) { InnerHandler = network }) { BaseAddress = new Uri("http://stock") }, network);
    }

    [Fact]
    public async Task The_remaining_deadline_is_sent_in_the_header()
    {
        var (client, network) = Client();
        using var _ = client;
        await CancelScope.MoveOnAfter(TimeSpan.FromSeconds(30)).RunAsync(async () => await client.GetAsync("/x"));
        Assert.True(GrpcTimeout.TryParse(network.Header, out var sent), network.Header);
        Assert.InRange(sent, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task No_header_is_sent_outside_any_deadline()
    {
        var (client, network) = Client();
        using var _ = client;
        await client.GetAsync("/x");
        Assert.Null(network.Header);
        Assert.Equal(1, network.Calls);
    }

    [Fact]
    public async Task A_passed_deadline_makes_no_call_and_the_scope_catches_its_cancellation()
    {
        var (client, network) = Client();
        using var _ = client;
        var scope = new CancelScope(Time.Now - TimeSpan.FromSeconds(1));
        await scope.RunAsync(async () => await client.GetAsync("/x"));
        Assert.True(scope.CancelledCaught);
        Assert.Equal(0, network.Calls);
    }

    [Fact]
    public async Task A_deadline_that_passed_before_its_timer_fired_makes_no_call_either()
    {
        var (client, network) = Client();
        using var _ = client;
        var scope = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(20));
        await scope.RunAsync(async () =>
        {
            // No checkpoint until the deadline has passed: the timer may or may not have fired; either way, no call.
            var deadline = scope.Deadline;
            while (Time.Now < deadline)
                Thread.SpinWait(100);
            await client.GetAsync("/x");
        });
        Assert.True(scope.CancelledCaught);
        Assert.Equal(0, network.Calls);
    }

    [Fact]
    public async Task A_call_with_no_more_than_the_margin_left_is_not_made_and_ends_the_scope_as_its_deadline()
    {
        var (client, network) = Client(margin: TimeSpan.FromMinutes(5));
        using var _ = client;
        var scope = CancelScope.MoveOnAfter(TimeSpan.FromSeconds(30));
        await scope.RunAsync(async () => await client.GetAsync("/x"));
        Assert.True(scope.CancelledCaught);
        Assert.Contains("no more than the margin of 300000 ms", scope.CancelReason, StringComparison.Ordinal);
        Assert.Equal(0, network.Calls);
        // FailAfter sees a deadline: its TimeoutException, not a cancellation nobody owns.
        await Assert.ThrowsAsync<TimeoutException>(() => CancelScope.FailAfter(TimeSpan.FromSeconds(30), async () => await client.GetAsync("/x")));
    }

    [Fact]
    public async Task Cancelling_the_scope_cancels_the_call_in_flight_as_the_scopes_own_cancellation()
    {
        var (client, network) = Client();
        using var _ = client;
        var scope = new CancelScope();
        await scope.RunAsync(async () =>
        {
            var call = client.GetAsync("/hang");
            scope.Cancel("the caller gave up");
            await call;
        });
        Assert.True(scope.CancelledCaught);
        Assert.Equal("the caller gave up", scope.CancelReason);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new StructuredDeadlineHandler(" "));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StructuredDeadlineHandler(margin: TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentException>(() => new StructuredRequestOptions { DeadlineHeader = "" });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StructuredRequestOptions { AbandonTimeout = TimeSpan.FromSeconds(-1) });
        Assert.Throws<InvalidOperationException>(() => new DefaultHttpContext().GetStructuredRequest());
    }

    [Fact]
    public void UseStructuredRequests_without_its_services_says_what_to_call()
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.UseStructuredRequests());
        Assert.Contains("AddStructuredRequests", error.Message, StringComparison.Ordinal);
    }

    // gRPC: a CallInvoker that records the options it was given, in place of a channel.
    sealed class RecordingInvoker : CallInvoker
    {
        public readonly List<CallOptions> Calls = [];

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        {
            Calls.Add(options);
            var response = new TaskCompletionSource<TResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
            if ((string)(object)request == "hang")
                options.CancellationToken.Register(() => response.TrySetException(new RpcException(new Status(StatusCode.Cancelled, "cancelled"))));
            else
                response.SetResult((TResponse)(object)"ok");
            return new AsyncUnaryCall<TResponse>(response.Task, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();
    }

    static readonly Marshaller<string> Text = Marshallers.Create(s => Encoding.UTF8.GetBytes(s), b => Encoding.UTF8.GetString(b));
    static readonly Method<string, string> Get = new(MethodType.Unary, "test.Stock", "Get", Text, Text);

    static (CallInvoker Invoker, RecordingInvoker Network) Grpc()
    {
        var network = new RecordingInvoker();
        return (network.Intercept(new StructuredDeadlineInterceptor()), network);
    }

    [Fact]
    public async Task Grpc_calls_get_the_scopes_deadline_and_token()
    {
        var (invoker, network) = Grpc();
        await CancelScope.MoveOnAfter(TimeSpan.FromSeconds(30)).RunAsync(async () =>
        {
            var before = TimeProvider.System.GetUtcNow().UtcDateTime;
            Assert.Equal("ok", await invoker.AsyncUnaryCall(Get, null, new CallOptions(), "x"));
            var options = Assert.Single(network.Calls);
            Assert.NotNull(options.Deadline);
            Assert.InRange(options.Deadline!.Value, before, before + TimeSpan.FromSeconds(30));
            Assert.True(options.CancellationToken.CanBeCanceled);
        });
    }

    [Fact]
    public async Task Grpc_keeps_an_earlier_deadline_of_the_caller_and_adds_none_outside_a_scope()
    {
        var (invoker, network) = Grpc();
        var own = TimeProvider.System.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(5);
        await CancelScope.MoveOnAfter(TimeSpan.FromMinutes(10)).RunAsync(async () => await invoker.AsyncUnaryCall(Get, null, new CallOptions(deadline: own), "x"));
        Assert.Equal(own, network.Calls[0].Deadline);
        await invoker.AsyncUnaryCall(Get, null, new CallOptions(), "x");
        Assert.Null(network.Calls[1].Deadline);
    }

    [Fact]
    public async Task Grpc_with_a_passed_deadline_makes_no_call_and_the_scope_catches_its_cancellation()
    {
        var (invoker, network) = Grpc();
        var scope = new CancelScope(Time.Now - TimeSpan.FromSeconds(1));
        await scope.RunAsync(async () => await invoker.AsyncUnaryCall(Get, null, new CallOptions(), "x"));
        Assert.True(scope.CancelledCaught);
        Assert.Empty(network.Calls);
    }

    [Fact]
    public async Task Grpc_calls_are_cancelled_with_the_scope_as_the_scopes_own_cancellation()
    {
        var (invoker, _) = Grpc();
        var scope = new CancelScope();
        await scope.RunAsync(async () =>
        {
            var call = invoker.AsyncUnaryCall(Get, null, new CallOptions(), "hang");
            scope.Cancel("the caller gave up");
            await call;
        });
        Assert.True(scope.CancelledCaught);
    }

    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("30S", 300_000_000L)]
    [InlineData("500m", 5_000_000L)]
    [InlineData("7u", 70L)]
    [InlineData("250n", 2L)]
    [InlineData(" 99999999m ", 999_999_990_000L)]
    public void GrpcTimeout_reads_every_unit(string text, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(text, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("123456789m")]
    [InlineData("1.5S")]
    public void GrpcTimeout_refuses_what_is_no_timeout(string? text) => Assert.False(GrpcTimeout.TryParse(text, out _));

    [Fact]
    public void GrpcTimeout_writes_the_finest_unit_that_fits_rounded_down()
    {
        Assert.Equal("1500m", GrpcTimeout.Format(TimeSpan.FromMilliseconds(1500.9)));
        Assert.Equal("250u", GrpcTimeout.Format(TimeSpan.FromMicroseconds(250)));
        Assert.Equal("100000S", GrpcTimeout.Format(TimeSpan.FromSeconds(100_000)));
        Assert.Throws<ArgumentOutOfRangeException>(() => GrpcTimeout.Format(TimeSpan.Zero));
    }
}
