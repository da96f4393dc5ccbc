// Two small services on loopback, one calling the other over HTTP, with a deadline set at the edge:
//
//   edge (this program's client) --Request-Timeout: 1500m--> orders --Request-Timeout: remaining less 1 s--> stock
//
// The stock service is slow for one item: its own deadline (the edge's, less the time spent, less the margin the orders
// service keeps back for the answer) fires there, its log names the deadline in the cancel reason, and it answers 504.
// That 504, for the deadline orders sent, ends orders' request as its own deadline (the chain ends as a deadline at every
// hop): orders answers 504 too, well before the edge's deadline, with a problem-details body that names its deadline and
// the hop.
//
//   dotnet run --project samples/Orders                           runs the demo and exits 0
//   dotnet run --project samples/Orders -- --margins [calls]      measures what each hop sees, with and without a margin
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Structured;

if (args is ["--margins", ..])
    return await Orders.MarginPicture.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 50);

await using var stock = await StartAsync("stock", builder => { }, app => app.MapGet("/stock/{item}", async (string item) =>
{
    // A slow item takes longer than any deadline the caller can give: the request's scope cancels the sleep.
    await Time.SleepAsync(item == "anvil" ? TimeSpan.FromMinutes(1) : TimeSpan.FromMilliseconds(20));
    return $"{item}: 3 in stock";
}));

await using var orders = await StartAsync("orders",
    builder => builder.Services.AddHttpClient("stock", c => c.BaseAddress = AddressOf(stock))
        // Keeps 1 s of the deadline back for the answer, so that stock's deadline fires first and its 504 gets back.
        .AddStructuredDeadlines(margin: TimeSpan.FromSeconds(1)),
    app => app.MapGet("/order/{item}", async (string item, IHttpClientFactory clients) =>
    {
        // A 504 from stock for the deadline sent does not come back here: it ends this request as its own deadline.
        using var response = await clients.CreateClient("stock").GetAsync($"/stock/{item}", CancelScope.CurrentToken);
        return response.IsSuccessStatusCode
            ? $"order for {item} accepted ({await response.Content.ReadAsStringAsync()})"
            : $"order for {item} refused: stock answered {(int)response.StatusCode}";
    }));

// The edge: a client that sets the deadline for the whole chain.
using var edge = new HttpClient { BaseAddress = AddressOf(orders) };
foreach (var item in new[] { "nails", "anvil" })
{
    using var request = new HttpRequestMessage(HttpMethod.Get, $"/order/{item}");
    request.Headers.Add(StructuredRequestOptions.DefaultDeadlineHeader, "1500m");
    // A 504 or 503 of a Structured request carries RFC 9457 problem details when the client accepts JSON.
    request.Headers.Accept.ParseAdd("application/json");
    using var response = await edge.SendAsync(request);
    Console.WriteLine($"edge   | {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
}
return 0;

static async Task<WebApplication> StartAsync(string name, Action<WebApplicationBuilder> configure, Action<WebApplication> map)
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    builder.Logging.ClearProviders();
    builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
    builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning);
    builder.Logging.AddFilter("Structured", LogLevel.Information);
    builder.Services.AddStructuredRequests(o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader);
    configure(builder);
    var app = builder.Build();
    app.UseStructuredRequests();
    map(app);
    await app.StartAsync();
    Console.WriteLine($"{name,-6} | listening on {AddressOf(app)}");
    return app;
}

static Uri AddressOf(WebApplication app)
    => new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
