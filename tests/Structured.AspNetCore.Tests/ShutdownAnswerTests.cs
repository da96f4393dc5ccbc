using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCoreTests;

/// <summary>
/// Real Kestrel on loopback: what the client of a request cut short by the shutdown timeout sees. The slice before the
/// ShutdownTimeout runs on a fake clock, advanced by the test; the host's own ShutdownTimeout (on the system clock) is
/// the generous bound, so nothing here depends on how fast the machine is.
/// </summary>
public sealed class ShutdownAnswerTests
{
    static TaskCompletionSource Signal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    sealed record Running(WebApplication App, CapturedLog Log, Task<int> Run, FakeTimeProvider Clock, HttpClient Client) : IDisposable
    {
        public void Dispose() => Client.Dispose();
    }

    static async Task<Running> StartAsync(Action<WebApplication> map, Action<IServiceCollection>? services = null)
    {
        var clock = new FakeTimeProvider();
        var (app, log) = WebService.Create(map, o => o.ShutdownClock = clock, services);
        var started = Signal();
        app.Lifetime.ApplicationStarted.Register(started.SetResult);
        var run = app.RunStructuredAsync();
        await started.Task.Within();
        var client = new HttpClient { BaseAddress = WebService.AddressOf(app), Timeout = WebService.Bound };
        return new Running(app, log, run, clock, client);
    }

    /// <summary>Begins the host's stop and, once it has armed its phases, moves the fake clock to the slice before the ShutdownTimeout.</summary>
    static async Task RunOutOfTimeAsync(Running service)
    {
        service.App.Lifetime.StopApplication();
        await service.Log.WhenLogged(3).Within();
        service.Clock.Advance(WebService.Bound - TimeSpan.FromSeconds(1));
    }

    static void MapStuck(WebApplication app, TaskCompletionSource handlerRunning) => app.MapGet("/stuck", async (HttpContext context) =>
    {
        context.Response.Headers["X-Before"] = "set by the handler";
        context.GetStructuredRequest().Nursery.StartSoon(async () =>
        {
            handlerRunning.TrySetResult();
            await Time.SleepForeverAsync();
        }, "stuck child");
        await Time.SleepForeverAsync();
    });

    [Fact]
    public async Task A_request_cut_short_by_the_shutdown_timeout_answers_503_naming_it_and_the_host_exits_1()
    {
        var running = Signal();
        using var service = await StartAsync(app => MapStuck(app, running));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/stuck");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var call = service.Client.SendAsync(request);
        await running.Task.Within();

        await RunOutOfTimeAsync(service);

        using var response = await call.Within();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Before"), "the handler's headers described a response that never was");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("the host's ShutdownTimeout ran out", problem.RootElement.GetProperty("detail").GetString());
        // The server's drain sees the request end: the host stops before its own ShutdownTimeout, and says requests were cut.
        Assert.Equal(1, await service.Run.Within());
        var expired = Assert.Single(service.Log.WithEvent(5));
        Assert.Contains("1 s kept back for them to answer", expired.Message, StringComparison.Ordinal);
        Assert.Contains("request GET /stuck", expired.Message, StringComparison.Ordinal);
        Assert.Equal("Request GET /stuck was cancelled: the host's ShutdownTimeout ran out.", Assert.Single(service.Log.WithEvent(1)).Message);
    }

    [Fact]
    public async Task With_AddProblemDetails_the_503_is_written_by_the_apps_problem_details_service()
    {
        var running = Signal();
        using var service = await StartAsync(app => MapStuck(app, running), services => services.AddProblemDetails(o =>
            o.CustomizeProblemDetails = c => c.ProblemDetails.Extensions["service"] = "orders"));
        var call = service.Client.GetAsync("/stuck");
        await running.Task.Within();

        await RunOutOfTimeAsync(service);

        using var response = await call.Within();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("the host's ShutdownTimeout ran out", problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal("orders", problem.RootElement.GetProperty("service").GetString());
        Assert.Equal(1, await service.Run.Within());
    }

    [Fact]
    public async Task Without_an_Accept_header_for_JSON_the_503_has_no_body()
    {
        var running = Signal();
        using var service = await StartAsync(app => MapStuck(app, running));
        var call = service.Client.GetAsync("/stuck");
        await running.Task.Within();

        await RunOutOfTimeAsync(service);

        using var response = await call.Within();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, await service.Run.Within());
    }

    [Fact]
    public async Task A_response_that_had_started_is_aborted_so_that_its_client_never_takes_the_part_for_the_whole()
    {
        var streaming = Signal();
        using var service = await StartAsync(app => app.MapGet("/stream", async (HttpContext context) =>
        {
            await context.Response.WriteAsync("first part\n");
            await context.Response.Body.FlushAsync();
            streaming.TrySetResult();
            await Time.SleepForeverAsync();
        }));
        using var response = await service.Client.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead).Within();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64];
        Assert.True(await body.ReadAsync(buffer).AsTask().Within() > 0);
        await streaming.Task.Within();

        await RunOutOfTimeAsync(service);

        // The chunked body never ends cleanly: reading on fails instead of reaching an end that would look complete.
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            while (await body.ReadAsync(buffer).AsTask().Within() > 0)
            {
            }
        });
        Assert.Equal(1, await service.Run.Within());
    }

    [Fact]
    public void The_slice_before_the_shutdown_timeout_is_refused_when_negative()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new StructuredRequestOptions { CancelBeforeShutdownTimeout = TimeSpan.FromSeconds(-1) });
        Assert.Equal("value", error.ParamName);
        Assert.Equal(TimeSpan.FromSeconds(1), new StructuredRequestOptions().CancelBeforeShutdownTimeout);
    }
}
