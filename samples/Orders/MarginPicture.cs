using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Structured;

namespace Orders;

/// <summary>
/// What each hop sees when a deadline runs out, measured: an edge client calls orders with <c>Request-Timeout: 100m</c>,
/// orders calls stock (which never answers by itself) with <c>AddStructuredDeadlines(margin)</c>, once without a margin
/// and once with 50 ms. For each call it counts how stock's request ended, what came back to orders off the wire
/// (before the deadline handler turns it into orders' own deadline), how orders' request ended, and what the edge got.
/// The figures of docs/services.md ("The margin") come from this; the counts move with the machine's load.
/// </summary>
internal static class MarginPicture
{
    internal static async Task<int> RunAsync(int calls)
    {
        Console.WriteLine($"{calls} calls edge -> orders -> stock on loopback, edge deadline 100 ms, one at a time");
        foreach (var margin in new[] { TimeSpan.Zero, TimeSpan.FromMilliseconds(50) })
            await MeasureAsync(calls, margin);
        return 0;
    }

    static async Task MeasureAsync(int calls, TimeSpan margin)
    {
        var stockEnded = new ConcurrentDictionary<string, int>();
        var offTheWire = new ConcurrentDictionary<string, int>();
        var ordersEnded = new ConcurrentDictionary<string, int>();
        var edgeGot = new ConcurrentDictionary<string, int>();

        await using var stock = await StartAsync(_ => { }, app => app.MapGet("/stock", async () =>
        {
            Count(stockEnded, "(reached stock)");
            try
            {
                await Time.SleepForeverAsync();
            }
            catch (Cancelled c)
            {
                Count(stockEnded, Kind(c.Reason));
                throw;
            }
        }));
        await using var orders = await StartAsync(
            services => services.AddHttpClient("stock", c => c.BaseAddress = AddressOf(stock))
                .ConfigurePrimaryHttpMessageHandler(() => new WireRecorder(offTheWire) { InnerHandler = new SocketsHttpHandler() })
                .AddStructuredDeadlines(margin: margin),
            app => app.MapGet("/order", async (IHttpClientFactory clients) =>
            {
                try
                {
                    return await clients.CreateClient("stock").GetStringAsync("/stock");
                }
                catch (Cancelled c)
                {
                    Count(ordersEnded, Kind(c.Reason));
                    throw;
                }
                catch (HttpRequestException e)
                {
                    Count(ordersEnded, $"HttpRequestException {(int?)e.StatusCode}: the callee's answer passed up as orders' own");
                    throw;
                }
            }));
        using var edge = new HttpClient { BaseAddress = AddressOf(orders) };
        for (int i = 0; i < calls; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/order");
            request.Headers.Add(StructuredRequestOptions.DefaultDeadlineHeader, "100m");
            using var response = await edge.SendAsync(request);
            Count(edgeGot, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
        }

        Console.WriteLine();
        Console.WriteLine($"margin {margin.TotalMilliseconds} ms");
        Print("stock's request ended with", stockEnded, calls);
        Print("back to orders off the wire", offTheWire, calls);
        Print("orders' request ended with", ordersEnded, calls);
        Print("the edge got", edgeGot, calls);
    }

    static string Kind(string reason) => reason switch
    {
        _ when reason.Contains(" downstream: ", StringComparison.Ordinal) => "its own deadline, ended early by the callee's 504",
        _ when reason.Contains(" was sent: ", StringComparison.Ordinal) => "its own deadline, the call not sent (no more than the margin left)",
        _ when reason.StartsWith("incoming deadline", StringComparison.Ordinal) => "its own deadline",
        _ when reason.StartsWith("the client aborted", StringComparison.Ordinal) => "an abort (the caller's deadline cancelled the call)",
        _ => reason,
    };

    static void Count(ConcurrentDictionary<string, int> counts, string key) => counts.AddOrUpdate(key, 1, (_, n) => n + 1);

    static void Print(string title, ConcurrentDictionary<string, int> counts, int calls)
    {
        Console.WriteLine($"  {title}:");
        foreach (var (key, n) in counts.OrderByDescending(p => p.Value))
            Console.WriteLine($"    {n,3} / {calls}  {key}");
    }

    /// <summary>The primary handler of orders' client: what came back on the wire, before the deadline handler sees it.</summary>
    sealed class WireRecorder(ConcurrentDictionary<string, int> counts) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var deadline = CancelScope.CurrentEffectiveDeadline;
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                Count(counts, response.StatusCode == System.Net.HttpStatusCode.GatewayTimeout
                    ? Time.Now < deadline ? "504 before orders' own deadline" : "504 after orders' own deadline"
                    : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
                return response;
            }
            catch (OperationCanceledException)
            {
                Count(counts, "nothing: orders' deadline cancelled the call first");
                throw;
            }
            catch (HttpRequestException e)
            {
                Count(counts, $"HttpRequestException: {e.Message}");
                throw;
            }
        }
    }

    static async Task<WebApplication> StartAsync(Action<IServiceCollection> services, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddStructuredRequests(o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader);
        services(builder.Services);
        var app = builder.Build();
        app.UseStructuredRequests();
        map(app);
        await app.StartAsync();
        return app;
    }

    static Uri AddressOf(WebApplication app)
        => new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
}
