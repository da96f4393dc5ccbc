using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace AspNetCoreTests;

/// <summary>A real Kestrel app on loopback (port 0) with Structured requests and a captured log, for one test.</summary>
internal sealed class WebService : IAsyncDisposable
{
    /// <summary>What a test waits for at most: generous, it only turns a hang into a failure.</summary>
    internal static readonly TimeSpan Bound = LoopHarness.Watchdog; // a hang guard (minutes), never a margin

    WebService(WebApplication app, CapturedLog log, Uri address)
    {
        App = app;
        Log = log;
        Address = address;
    }

    public WebApplication App { get; }

    public CapturedLog Log { get; }

    public Uri Address { get; }

    public HttpClient NewClient() => new() { BaseAddress = Address, Timeout = Bound };

    public static async Task<WebService> StartAsync(
        Action<WebApplication> map,
        Action<StructuredRequestOptions>? options = null,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? before = null,
        bool http2 = false)
    {
        var (app, log) = Create(map, options, services, before: before, http2: http2);
        await app.StartAsync();
        return new WebService(app, log, AddressOf(app));
    }

    /// <summary>The app, not started: for a test that runs it with <c>RunStructuredAsync</c> (which also disposes it).</summary>
    public static (WebApplication App, CapturedLog Log) Create(
        Action<WebApplication> map,
        Action<StructuredRequestOptions>? options = null,
        Action<IServiceCollection>? services = null,
        TimeSpan? shutdownTimeout = null,
        Action<WebApplication>? before = null,
        bool http2 = false)
    {
        var log = new CapturedLog();
        var builder = WebApplication.CreateSlimBuilder();
        if (http2)
        {
            // gRPC over plain HTTP/2 (prior knowledge), as Grpc.Net.Client speaks it to an http:// address.
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2));
        }
        else
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(log);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? Bound);
        builder.Services.AddStructuredRequests(o =>
        {
            // A test process must not exit 1 because a test cut requests short on purpose.
            o.SetExitCode = false;
            options?.Invoke(o);
        });
        services?.Invoke(builder.Services);
        var app = builder.Build();
        before?.Invoke(app);
        app.UseStructuredRequests();
        map(app);
        return (app, log);
    }

    /// <summary>The address Kestrel listens on (port 0 picked a free one): read it once the app has started.</summary>
    public static Uri AddressOf(WebApplication app)
        => new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());

    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(Bound))
            await App.StopAsync(stop.Token);
        await App.DisposeAsync();
    }
}
