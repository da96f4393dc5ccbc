using System.Collections.Concurrent;

namespace AspNetCoreTests;

/// <summary>Real Kestrel on loopback: client aborts, children that outlive the handler, two hops, shutdown.</summary>
public sealed class KestrelTests
{
    static TaskCompletionSource Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    static TaskCompletionSource<T> Signal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Fact]
    public async Task A_client_abort_cancels_the_children_of_the_request_with_a_reason_naming_it()
    {
        var started = Signal();
        var childReason = Signal<string>();
        var finished = Signal();
        await using var service = await WebService.StartAsync(
            app => app.MapGet("/slow", (HttpContext context) =>
            {
                context.GetStructuredRequest().Nursery.StartSoon(async () =>
                {
                    started.TrySetResult();
                    try
                    {
                        await Time.SleepForeverAsync();
                    }
                    catch (Cancelled c)
                    {
                        childReason.TrySetResult(c.Reason);
                        throw;
                    }
                });
                return Time.SleepForeverAsync().AsTask();
            }),
            before: app => app.Use(async (context, next) =>
            {
                try
                {
                    await next(context);
                }
                finally
                {
                    finished.TrySetResult();
                }
            }));
        using var client = service.NewClient();
        using var abort = new CancellationTokenSource();
        var call = client.GetAsync("/slow", abort.Token);
        await started.Task.Within();
        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal("the client aborted the request (HttpContext.RequestAborted)", await childReason.Task.Within());
        await finished.Task.Within();
        Assert.Equal("Request GET /slow was cancelled: the client aborted the request (HttpContext.RequestAborted).",
            Assert.Single(service.Log.WithEvent(1)).Message);
    }

    [Fact]
    public async Task The_response_is_completed_only_after_the_children_of_the_request_end()
    {
        await using var service = await WebService.StartAsync(app => app.MapGet("/later", (HttpContext context) =>
        {
            context.GetStructuredRequest().Nursery.StartSoon(async () =>
            {
                await Time.SleepAsync(TimeSpan.FromMilliseconds(20));
                await context.Response.WriteAsync("written by a child after the handler returned");
            });
            return Task.CompletedTask;
        }));
        using var client = service.NewClient();
        Assert.Equal("written by a child after the handler returned", await client.GetStringAsync("/later").Within());
    }

    [Fact]
    public async Task A_deadline_set_at_the_edge_crosses_two_hops_and_fires_in_the_callee()
    {
        var calleeReason = Signal<string>();
        var calleeTimeout = Signal<TimeSpan?>();
        await using var stock = await WebService.StartAsync(
            app => app.MapGet("/stock", async (HttpContext context) =>
            {
                calleeTimeout.TrySetResult(context.GetStructuredRequest().IncomingTimeout);
                try
                {
                    await Time.SleepForeverAsync();
                }
                catch (Cancelled c)
                {
                    calleeReason.TrySetResult(c.Reason);
                    throw;
                }
            }),
            o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader);
        // The caller keeps 4 s back for the answer: the callee's deadline (about 1 s) fires first, by construction,
        // and its 504 has 4 s to come back before the caller's own deadline.
        await using var orders = await WebService.StartAsync(
            app => app.MapGet("/order", async (IHttpClientFactory clients) =>
            {
                // The 504 for the deadline sent ends this request's scope as its deadline: this line never returns.
                using var response = await clients.CreateClient("stock").GetAsync("/stock", CancelScope.CurrentToken);
                return $"stock answered {(int)response.StatusCode}";
            }),
            o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader,
            services => services.AddHttpClient("stock", c => c.BaseAddress = stock.Address)
                .AddStructuredDeadlines(margin: TimeSpan.FromSeconds(4)));
        using var edge = orders.NewClient();
        using var message = new HttpRequestMessage(HttpMethod.Get, "/order");
        message.Headers.Add(StructuredRequestOptions.DefaultDeadlineHeader, "5S");
        using var answer = await edge.SendAsync(message).Within();
        Assert.Equal(HttpStatusCode.GatewayTimeout, answer.StatusCode);
        var timeout = await calleeTimeout.Task.Within();
        Assert.NotNull(timeout);
        Assert.True(timeout <= TimeSpan.FromSeconds(1), $"the callee got {timeout}, more than the 5 s less the 4 s margin");
        var reason = await calleeReason.Task.Within();
        Assert.StartsWith("incoming deadline of ", reason, StringComparison.Ordinal);
        Assert.EndsWith(" ms from header 'Request-Timeout' passed", reason, StringComparison.Ordinal);
        Assert.Contains(stock.Log.WithEvent(1), e => e.Message == $"Request GET /stock was cancelled: {reason}.");
        Assert.StartsWith("Request GET /order was cancelled: incoming deadline of 5000 ms from header 'Request-Timeout' passed downstream: GET ",
            Assert.Single(orders.Log.WithEvent(1)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shutdown_drains_the_requests_in_flight_and_their_children_then_exits_0()
    {
        var childStarted = Signal();
        var gate = Signal();
        var order = new ConcurrentQueue<string>();
        var (app, log) = WebService.Create(a => a.MapGet("/work", (HttpContext context) =>
        {
            context.GetStructuredRequest().Nursery.StartSoon(async () =>
            {
                childStarted.TrySetResult();
                await gate.Task.WaitAsync(CancelScope.CurrentToken);
                order.Enqueue("child finished");
                await context.Response.WriteAsync("drained");
            });
            return Task.CompletedTask;
        }));
        var started = Signal();
        app.Lifetime.ApplicationStarted.Register(started.SetResult);
        var run = app.RunStructuredAsync();
        await started.Task.Within();
        using var client = new HttpClient { BaseAddress = WebService.AddressOf(app), Timeout = WebService.Bound };
        var response = client.GetStringAsync("/work");
        await childStarted.Task.Within();
        app.Lifetime.StopApplication();
        await log.WhenLogged(3).Within();
        gate.SetResult();
        Assert.Equal("drained", await response.Within());
        Assert.Equal(0, await run.Within());
        order.Enqueue("host stopped");
        Assert.Equal(["child finished", "host stopped"], order);
        Assert.Single(log.WithEvent(4));
        Assert.Empty(log.WithEvent(5));
    }

    [Fact]
    public async Task When_the_shutdown_timeout_runs_out_requests_are_cancelled_logged_and_the_exit_code_is_1()
    {
        var childStarted = Signal();
        var childReason = Signal<string>();
        var (app, log) = WebService.Create(
            a => a.MapGet("/stuck", (HttpContext context) =>
            {
                context.GetStructuredRequest().Nursery.StartSoon(async () =>
                {
                    childStarted.TrySetResult();
                    try
                    {
                        await Time.SleepForeverAsync();
                    }
                    catch (Cancelled c)
                    {
                        childReason.TrySetResult(c.Reason);
                        throw;
                    }
                }, "stuck child");
                return Task.CompletedTask;
            }),
            shutdownTimeout: TimeSpan.FromSeconds(1));
        var started = Signal();
        app.Lifetime.ApplicationStarted.Register(started.SetResult);
        var run = app.RunStructuredAsync();
        await started.Task.Within();
        using var client = new HttpClient { BaseAddress = WebService.AddressOf(app), Timeout = WebService.Bound };
        var response = client.GetAsync("/stuck");
        await childStarted.Task.Within();
        app.Lifetime.StopApplication();
        Assert.Equal(1, await run.Within());
        Assert.Equal("the host's ShutdownTimeout ran out", await childReason.Task.Within());
        var expired = Assert.Single(log.WithEvent(5));
        Assert.Equal(LogLevel.Error, expired.Level);
        Assert.Contains("request GET /stuck", expired.Message, StringComparison.Ordinal);
        // The tree below the request's line is a snapshot taken from another thread while the request runs: what it
        // lists is not asserted (it may read "the task tree changed while it was read").
        Assert.Single(log.WithEvent(4));
        // The client's answer (an abort, or 503) is the server's business; only its end is awaited.
        await Assert.ThrowsAnyAsync<Exception>(async () => (await response.Within()).EnsureSuccessStatusCode());
    }
}
