using Microsoft.AspNetCore.TestHost;

namespace AspNetCoreTests;

/// <summary>The scope of a request and its incoming deadline, on TestHost (no sockets needed: nothing here aborts).</summary>
public sealed class RequestScopeTests
{
    static async Task<(WebApplication App, CapturedLog Log, HttpClient Client)> TestAppAsync(
        Action<WebApplication> map, Action<StructuredRequestOptions>? options = null)
    {
        var log = new CapturedLog();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(log);
        builder.Services.AddStructuredRequests(o =>
        {
            o.SetExitCode = false;
            options?.Invoke(o);
        });
        var app = builder.Build();
        app.UseStructuredRequests();
        map(app);
        await app.StartAsync();
        return (app, log, app.GetTestClient());
    }

    static void MapDeadline(WebApplication app) => app.MapGet("/deadline", (HttpContext context) =>
    {
        var request = context.GetStructuredRequest();
        var deadline = CancelScope.CurrentEffectiveDeadline;
        var left = deadline == TimeSpan.MaxValue ? "none" : ((deadline - Time.Now).Ticks > 0 ? "positive" : "passed");
        var within = request.IncomingTimeout is { } t && deadline != TimeSpan.MaxValue && deadline - Time.Now <= t;
        return $"{left} {request.IncomingTimeout?.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {request.DeadlineHeader ?? "-"} {within} {CancelScope.CurrentToken.CanBeCanceled}";
    });

    static async Task<string> GetAsync(HttpClient client, string path, params (string Name, string Value)[] headers)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
            message.Headers.TryAddWithoutValidation(name, value);
        using var response = await client.SendAsync(message).Within();
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    [Fact]
    public async Task A_handler_runs_in_a_scope_with_no_deadline_by_default()
    {
        var (app, _, client) = await TestAppAsync(MapDeadline);
        await using var _app = app;
        Assert.Equal("200 none - - False True", await GetAsync(client, "/deadline"));
    }

    [Fact]
    public async Task Grpc_timeout_sets_the_deadline_that_CurrentEffectiveDeadline_sees()
    {
        var (app, _, client) = await TestAppAsync(MapDeadline);
        await using var _app = app;
        Assert.Equal("200 positive 30000 grpc-timeout True True", await GetAsync(client, "/deadline", ("grpc-timeout", "30S")));
    }

    [Fact]
    public async Task The_plain_HTTP_deadline_header_is_ignored_unless_configured()
    {
        var (app, _, client) = await TestAppAsync(MapDeadline);
        await using var _app = app;
        Assert.Equal("200 none - - False True", await GetAsync(client, "/deadline", ("Request-Timeout", "30S")));
    }

    [Fact]
    public async Task The_configured_header_is_honoured_and_the_earlier_of_two_deadlines_wins()
    {
        var (app, _, client) = await TestAppAsync(MapDeadline, o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader);
        await using var _app = app;
        Assert.Equal("200 positive 20000 Request-Timeout True True", await GetAsync(client, "/deadline", ("Request-Timeout", "20000m")));
        Assert.Equal("200 positive 20000 Request-Timeout True True", await GetAsync(client, "/deadline", ("Request-Timeout", "20S"), ("grpc-timeout", "1M")));
        Assert.Equal("200 positive 10000 grpc-timeout True True", await GetAsync(client, "/deadline", ("Request-Timeout", "20S"), ("grpc-timeout", "10S")));
    }

    [Fact]
    public async Task Grpc_timeout_is_ignored_when_switched_off()
    {
        var (app, _, client) = await TestAppAsync(MapDeadline, o => o.HonourGrpcTimeout = false);
        await using var _app = app;
        Assert.Equal("200 none - - False True", await GetAsync(client, "/deadline", ("grpc-timeout", "30S")));
    }

    [Fact]
    public async Task A_malformed_timeout_is_ignored_with_a_warning_once_per_distinct_value_then_at_debug()
    {
        var (app, log, client) = await TestAppAsync(MapDeadline, o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader);
        await using var _app = app;
        Assert.Equal("200 none - - False True", await GetAsync(client, "/deadline", ("grpc-timeout", "soon")));
        Assert.Equal("200 none - - False True", await GetAsync(client, "/deadline", ("grpc-timeout", "soon")));
        Assert.Equal("200 none - - False True", await GetAsync(client, "/deadline", ("Request-Timeout", "1s")));
        Assert.Equal("200 none - - False True", await GetAsync(client, "/deadline", ("Request-Timeout", "0.5S")));
        var entries = log.WithEvent(2).ToList();
        Assert.Equal(4, entries.Count);
        Assert.Equal(LogLevel.Warning, entries[0].Level);
        Assert.Contains("'grpc-timeout' is 'soon'", entries[0].Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Debug, entries[1].Level); // the same value again
        Assert.Equal(LogLevel.Warning, entries[2].Level);
        Assert.Contains("'Request-Timeout' is '1s'", entries[2].Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Warning, entries[3].Level);
        Assert.Contains("'0.5S'", entries[3].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_incoming_deadline_that_passes_cancels_the_handler_with_a_reason_naming_it_and_answers_504()
    {
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (app, log, client) = await TestAppAsync(a => a.MapGet("/slow", async () =>
        {
            try
            {
                await Time.SleepForeverAsync();
            }
            catch (Cancelled c)
            {
                reason.TrySetResult(c.Reason);
                throw;
            }
        }));
        await using var _app = app;
        Assert.Equal("504 ", await GetAsync(client, "/slow", ("grpc-timeout", "200m")));
        const string Expected = "incoming deadline of 200 ms from header 'grpc-timeout' passed";
        Assert.Equal(Expected, await reason.Task.Within());
        // Logged before the middleware returned, so before the response was complete.
        var entry = Assert.Single(log.WithEvent(1));
        Assert.Equal($"Request GET /slow was cancelled: {Expected}.", entry.Message);
    }

    [Fact]
    public async Task A_deadline_of_zero_cancels_the_handler_at_its_first_checkpoint()
    {
        var (app, _, client) = await TestAppAsync(a => a.MapGet("/zero", async () =>
        {
            await Checkpoint.YieldAsync();
            return "not reached";
        }));
        await using var _app = app;
        Assert.Equal("504 ", await GetAsync(client, "/zero", ("grpc-timeout", "0m")));
    }

    [Theory]
    [InlineData("application/json", true)]
    [InlineData("application/problem+json", true)]
    [InlineData("*/*", true)]
    [InlineData("text/html", false)]
    [InlineData("application/json;q=0", false)]
    [InlineData(null, false)]
    public async Task A_504_carries_problem_details_naming_the_deadline_when_the_client_accepts_JSON(string? accept, bool body)
    {
        var (app, _, client) = await TestAppAsync(a => a.MapGet("/zero", async () =>
        {
            await Checkpoint.YieldAsync();
            return "not reached";
        }));
        await using var _app = app;
        var headers = new List<(string, string)> { ("grpc-timeout", "0m") };
        if (accept is not null)
            headers.Add(("Accept", accept));
        var answer = await GetAsync(client, "/zero", [.. headers]);
        Assert.Equal(body
            ? """504 {"type":"https://tools.ietf.org/html/rfc9110#section-15.6.5","title":"Gateway Timeout","status":504,"detail":"incoming deadline of 0 ms from header \u0027grpc-timeout\u0027 passed","traceId":"""
            : "504 ", body ? answer[..answer.IndexOf("\"traceId\":", StringComparison.Ordinal)] + "\"traceId\":" : answer);
    }

    [Fact]
    public async Task Cancelling_the_request_scope_answers_503_when_nothing_was_written()
    {
        var (app, log, client) = await TestAppAsync(a => a.MapGet("/cancel", async (HttpContext context) =>
        {
            context.GetStructuredRequest().Scope.Cancel("the handler gave up");
            await Checkpoint.YieldAsync();
        }));
        await using var _app = app;
        Assert.Equal("503 ", await GetAsync(client, "/cancel"));
        Assert.Equal("Request GET /cancel was cancelled: the handler gave up.", Assert.Single(log.WithEvent(1)).Message);
    }

    [Fact]
    public async Task An_error_of_a_child_in_the_request_nursery_comes_out_of_the_pipeline()
    {
        var (app, _, client) = await TestAppAsync(a => a.MapGet("/fail", (HttpContext context) =>
        {
            context.GetStructuredRequest().Nursery.StartSoon(() => throw new InvalidOperationException("child failed"));
            return Task.CompletedTask;
        }));
        await using var _app = app;
        // TestHost rethrows what the pipeline threw (Kestrel would answer 500).
        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync("/fail").Within());
        Assert.Contains("child failed", error.ToString(), StringComparison.Ordinal);
    }
}
