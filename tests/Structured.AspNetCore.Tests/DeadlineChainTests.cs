using System.Net.Http.Headers;
using System.Text.Json;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace AspNetCoreTests;

/// <summary>
/// The deadline chain over two real Kestrel hops, edge -> downstream, over HTTP and gRPC: the downstream's deadline fires
/// first (the edge keeps a margin back), and the chain ends as a deadline at every hop: the edge answers 504 too, with a
/// reason that names its deadline and the hop.
/// </summary>
/// <remarks>
/// The edge keeps 60 s back of a 61 s deadline: the downstream gets about 1 s, and its answer has the 60 s of the bound to
/// come back. Whether the edge had more than the margin left when it called (on a very slow machine it might not, and
/// then the call is not made) changes the words after the hop's address, not the outcome, so that part is not asserted.
/// </remarks>
public sealed class DeadlineChainTests
{
    static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);
    const string EdgeTimeout = "61S";
    const string EdgeDeadline = "incoming deadline of 61000 ms from header 'Request-Timeout' passed";

    static TaskCompletionSource<T> Signal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    static HttpRequestMessage EdgeRequest(string path)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, path);
        message.Headers.Add(StructuredRequestOptions.DefaultDeadlineHeader, EdgeTimeout);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return message;
    }

    static async Task<string> ProblemDetailAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(504, problem.RootElement.GetProperty("status").GetInt32());
        return problem.RootElement.GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task Over_HTTP_a_downstream_504_for_the_deadline_sent_becomes_the_edges_own_deadline_and_the_edge_answers_504()
    {
        var downstreamReason = Signal<string>();
        await using var stock = await WebService.StartAsync(
            app => app.MapGet("/stock", async () =>
            {
                try
                {
                    await Time.SleepForeverAsync();
                }
                catch (Cancelled c)
                {
                    downstreamReason.TrySetResult(c.Reason);
                    throw;
                }
            }),
            o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader);
        var edgeError = Signal<Exception>();
        await using var edge = await WebService.StartAsync(
            app => app.MapGet("/order", async (IHttpClientFactory clients) =>
            {
                try
                {
                    return await clients.CreateClient("stock").GetStringAsync("/stock");
                }
                catch (Exception e)
                {
                    edgeError.TrySetResult(e);
                    throw;
                }
            }),
            o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader,
            services => services.AddHttpClient("stock", c => c.BaseAddress = stock.Address).AddStructuredDeadlines(margin: Margin));
        using var client = edge.NewClient();
        using var request = EdgeRequest("/order");

        using var response = await client.SendAsync(request).Within();

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var detail = await ProblemDetailAsync(response);
        Assert.StartsWith($"{EdgeDeadline} ", detail, StringComparison.Ordinal);
        Assert.Contains($"GET {stock.Address}stock", detail, StringComparison.Ordinal);
        // What the edge's handler saw: its scope's Cancelled (no HttpRequestException for a 504, no unhandled 500).
        Assert.IsType<Cancelled>(await edgeError.Task.Within());
        Assert.Equal($"Request GET /order was cancelled: {detail}.", Assert.Single(edge.Log.WithEvent(1)).Message);
        if (detail.Contains("answered 504", StringComparison.Ordinal))
        {
            var reason = await downstreamReason.Task.Within();
            Assert.Matches("^incoming deadline of [0-9.]+ ms from header 'Request-Timeout' passed$", reason);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task With_the_standard_resilience_handler_the_chain_still_ends_504_and_the_deadlines_504_is_not_retried(bool deadlinesFirst)
    {
        int calls = 0;
        await using var stock = await WebService.StartAsync(
            app => app.MapGet("/stock", async () =>
            {
                Interlocked.Increment(ref calls);
                await Time.SleepForeverAsync();
            }),
            o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader);
        await using var edge = await WebService.StartAsync(
            app => app.MapGet("/order", async (IHttpClientFactory clients) => await clients.CreateClient("stock").GetStringAsync("/stock")),
            o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader,
            services =>
            {
                var client = services.AddHttpClient("stock", c => c.BaseAddress = stock.Address);
                if (deadlinesFirst)
                {
                    client.AddStructuredDeadlines(margin: Margin).AddStandardResilienceHandler();
                }
                else
                {
                    // AddStandardResilienceHandler() returns the pipeline's builder, not the client's.
                    client.AddStandardResilienceHandler();
                    client.AddStructuredDeadlines(margin: Margin);
                }
            });
        using var client = edge.NewClient();
        using var request = EdgeRequest("/order");

        using var response = await client.SendAsync(request).Within();

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var detail = await ProblemDetailAsync(response);
        Assert.StartsWith($"{EdgeDeadline} ", detail, StringComparison.Ordinal);
        Assert.Contains($"GET {stock.Address}stock", detail, StringComparison.Ordinal);
        // The 504 ended the edge as its deadline before the retry saw it: stock was called once (never, on a machine
        // so slow that the edge had no more than the margin left when it called).
        Assert.Equal(detail.Contains("answered 504", StringComparison.Ordinal) ? 1 : 0, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Over_gRPC_a_DeadlineExceeded_for_the_deadline_sent_becomes_the_edges_own_deadline_and_the_edge_answers_504()
    {
        var downstreamReason = Signal<string>();
        var reached = Signal<bool>();
        await using var stock = await WebService.StartAsync(
            app => app.MapGrpcService<StockGrpcService>(),
            services: services =>
            {
                services.AddGrpc();
                services.AddSingleton(new StockBehaviour(async (_, _) =>
                {
                    reached.TrySetResult(true);
                    try
                    {
                        await Time.SleepForeverAsync();
                        return "unreachable";
                    }
                    catch (Cancelled c)
                    {
                        downstreamReason.TrySetResult(c.Reason);
                        throw;
                    }
                }));
            },
            http2: true);
        using var channel = GrpcChannel.ForAddress(stock.Address);
        var invoker = channel.Intercept(new StructuredDeadlineInterceptor(Margin));
        var edgeError = Signal<Exception>();
        await using var edge = await WebService.StartAsync(
            app => app.MapGet("/order", async () =>
            {
                try
                {
                    return await invoker.AsyncUnaryCall(StockGrpcService.GetMethod, null, new CallOptions(), "anvil");
                }
                catch (Exception e)
                {
                    edgeError.TrySetResult(e);
                    throw;
                }
            }),
            o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader);
        using var client = edge.NewClient();
        using var request = EdgeRequest("/order");

        using var response = await client.SendAsync(request).Within();

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var detail = await ProblemDetailAsync(response);
        Assert.StartsWith($"{EdgeDeadline} ", detail, StringComparison.Ordinal);
        Assert.Contains("test.Stock/Get", detail, StringComparison.Ordinal);
        Assert.IsType<Cancelled>(await edgeError.Task.Within());
        Assert.Equal($"Request GET /order was cancelled: {detail}.", Assert.Single(edge.Log.WithEvent(1)).Message);
        // On a loaded machine the call's second may run out before the server runs the method: nothing to ask it then.
        if (detail.Contains("DeadlineExceeded", StringComparison.Ordinal) && reached.Task.IsCompleted)
        {
            // The gRPC client ends the call itself when the deadline it was given runs out (its own timer, counted from
            // the call's start, fires before the server's, counted from the request's arrival, unless the rounding of
            // grpc-timeout makes up for the wire), so the downstream's scope ends with whichever reaches it first.
            var reason = await downstreamReason.Task.Within();
            Assert.Matches("^(incoming deadline of [0-9.]+ ms from header 'grpc-timeout' passed|the client aborted the request \\(HttpContext.RequestAborted\\))$", reason);
        }
    }

    [Fact]
    public async Task A_504_that_comes_back_before_the_deadline_sent_ran_out_is_not_ours_and_is_the_callers_answer()
    {
        // A proxy's own timeout, or a service's own policy: answered at once, long before the minute it was given.
        await using var proxy = await WebService.StartAsync(app => app.MapGet("/stock", () => Results.StatusCode(504)));
        await using var edge = await WebService.StartAsync(
            app => app.MapGet("/order", async (IHttpClientFactory clients) =>
            {
                using var answer = await clients.CreateClient("stock").GetAsync("/stock");
                return $"stock answered {(int)answer.StatusCode}";
            }),
            o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader,
            services => services.AddHttpClient("stock", c => c.BaseAddress = proxy.Address).AddStructuredDeadlines(margin: TimeSpan.FromSeconds(1)));
        using var client = edge.NewClient();
        using var request = EdgeRequest("/order");

        using var response = await client.SendAsync(request).Within();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("stock answered 504", await response.Content.ReadAsStringAsync());
        Assert.Empty(edge.Log.WithEvent(1));
    }
}
