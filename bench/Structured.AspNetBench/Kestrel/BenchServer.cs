using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Structured;

namespace AspNetBench;

/// <summary>
/// The server process of the Kestrel benchmark: every variant's endpoint in one app, on 127.0.0.1 at a free port,
/// the structured ones behind <c>UseStructuredRequests()</c> (a <c>UseWhen</c> branch on the path, so that plain
/// requests pass the same pipeline without it). <c>/stats</c> reports the process's allocated bytes and CPU time, read
/// by the load generator before and after each variant's run. The server stops when its standard input closes (the
/// load generator ended, however it ended) or after <c>--max-seconds</c>.
/// </summary>
public static class BenchServer
{
    const string Hello = "Hello";

    /// <summary>Runs the server; prints "listening on PORT" once it accepts connections.</summary>
    public static async Task<int> RunAsync(int maxSeconds)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // No providers: a log line per request would be the benchmark. The middleware logs only cut requests anyway.
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Services.AddStructuredRequests();
        var app = builder.Build();

        app.UseWhen(static context => context.Request.Path.StartsWithSegments("/s"), static branch => branch.UseStructuredRequests());

        app.MapGet("/p/hello", (RequestDelegate)HelloAsync);
        app.MapGet("/s/hello", (RequestDelegate)HelloAsync);
        app.MapGet("/p/whenall", (RequestDelegate)WhenAllFanOutAsync);
        app.MapGet("/s/whenall", (RequestDelegate)WhenAllFanOutAsync);
        app.MapGet("/s/nursery", (RequestDelegate)NurseryFanOutAsync);
        app.MapGet("/stats", (RequestDelegate)StatsAsync);

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        Console.WriteLine($"listening on {port.ToString(CultureInfo.InvariantCulture)}");
        Console.Out.Flush();

        var stdinClosed = Task.Run(() =>
        {
            while (Console.In.ReadLine() is not null)
            {
            }
        });
        await Task.WhenAny(stdinClosed, Task.Delay(TimeSpan.FromSeconds(maxSeconds)));
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await app.StopAsync(stopping.Token);
        return 0;
    }

    /// <summary>The handler of <c>/hello</c>: completes synchronously (Kestrel buffers the 5 bytes).</summary>
    public static Task HelloAsync(HttpContext context)
    {
        context.Response.ContentLength = Hello.Length;
        return context.Response.WriteAsync(Hello);
    }

    /// <summary>Two children on the thread pool, joined with <c>Task.WhenAll</c>: the BCL twin of a nursery with two children.</summary>
    public static async Task WhenAllFanOutAsync(HttpContext context)
    {
        await Task.WhenAll(Task.Run(ChildAsync), Task.Run(ChildAsync));
        await HelloAsync(context);
    }

    /// <summary>The same two children in a nursery (started on the thread pool, off the Loop), then "Hello".</summary>
    public static async Task NurseryFanOutAsync(HttpContext context)
    {
        await Nursery.RunAsync(static nursery =>
        {
            nursery.StartSoon(ChildAsync);
            nursery.StartSoon(ChildAsync);
            return Task.CompletedTask;
        });
        await HelloAsync(context);
    }

    /// <summary>A child's work: one hop through the thread pool.</summary>
    public static async Task ChildAsync() => await Task.Yield();

    static Task StatsAsync(HttpContext context)
    {
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var text = string.Create(CultureInfo.InvariantCulture, $"{allocated} {cpu.Ticks} {GC.CollectionCount(0)}");
        context.Response.ContentLength = text.Length;
        return context.Response.WriteAsync(text);
    }
}
