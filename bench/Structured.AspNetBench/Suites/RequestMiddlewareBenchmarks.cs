using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Structured;

namespace AspNetBench;

/// <summary>
/// The middleware's per-request work in-process, without a socket, so that the bytes are exact: one pipeline built
/// with <c>ApplicationBuilder</c> per variant, invoked on one reused <see cref="DefaultHttpContext"/> (as Kestrel reuses
/// a connection's context) whose <see cref="HttpContext.RequestAborted"/> is a real token, as Kestrel's is. Each table
/// compares the handler under <c>UseStructuredRequests()</c> with the same handler plain. Run through <see cref="Program"/> (<c>--bdn</c>), which gives the configuration (<see cref="InProcessConfig"/>).
/// </summary>

[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RequestMiddlewareBenchmarks
{
    readonly CancellationTokenSource _aborted = new();
    ServiceProvider _services = null!;
    DefaultHttpContext _context = null!;
    RequestDelegate _plainSync = null!, _scopedSync = null!;
    RequestDelegate _plainAsync = null!, _scopedAsync = null!;
    RequestDelegate _plainWhenAll = null!, _scopedWhenAll = null!, _scopedNursery = null!, _scopedNurseryAsyncBody = null!;

    /// <summary>Builds the pipelines and the context.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddStructuredRequests();
        _services = services.BuildServiceProvider();
        _plainSync = Pipeline(structured: false, SyncHandler);
        _scopedSync = Pipeline(structured: true, SyncHandler);
        _plainAsync = Pipeline(structured: false, AsyncHandler);
        _scopedAsync = Pipeline(structured: true, AsyncHandler);
        _plainWhenAll = Pipeline(structured: false, WhenAllHandler);
        _scopedWhenAll = Pipeline(structured: true, WhenAllHandler);
        _scopedNursery = Pipeline(structured: true, NurseryHandler);
        _scopedNurseryAsyncBody = Pipeline(structured: true, NurseryAsyncBodyHandler);
        _context = new DefaultHttpContext();
        _context.Request.Method = HttpMethods.Get;
        _context.Request.Path = "/hello";
        _context.Features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = _aborted.Token });
    }

    /// <summary>Disposes the services.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _aborted.Dispose();
    }

    RequestDelegate Pipeline(bool structured, RequestDelegate handler)
    {
        var app = new ApplicationBuilder(_services);
        if (structured)
            app.UseStructuredRequests();
        app.Run(handler);
        return app.Build();
    }

    static Task SyncHandler(HttpContext context)
    {
        context.Response.StatusCode = 200;
        return Task.CompletedTask;
    }

    static async Task AsyncHandler(HttpContext context)
    {
        await Task.Yield();
        context.Response.StatusCode = 200;
    }

    static Task WhenAllHandler(HttpContext context) => Task.WhenAll(Task.Run(BenchServer.ChildAsync), Task.Run(BenchServer.ChildAsync));

    static Task NurseryHandler(HttpContext context) => Nursery.RunAsync(static nursery =>
    {
        nursery.StartSoon(BenchServer.ChildAsync);
        nursery.StartSoon(BenchServer.ChildAsync);
        return Task.CompletedTask;
    });

    // The body awaits once before it returns: Nursery.RunAsync's one async frame (the synchronous body above has none).
    static Task NurseryAsyncBodyHandler(HttpContext context) => Nursery.RunAsync(static async nursery =>
    {
        nursery.StartSoon(BenchServer.ChildAsync);
        nursery.StartSoon(BenchServer.ChildAsync);
        await Task.Yield();
    });

    void Invoke(RequestDelegate pipeline) => pipeline(_context).GetAwaiter().GetResult();

    /// <summary>Plain: a handler that completes synchronously.</summary>
    [Benchmark(Baseline = true, Description = "plain, sync handler"), BenchmarkCategory("sync")]
    public void PlainSync() => Invoke(_plainSync);

    /// <summary>The same handler under the request scope.</summary>
    [Benchmark(Description = "UseStructuredRequests, sync handler"), BenchmarkCategory("sync")]
    public void ScopedSync() => Invoke(_scopedSync);

    /// <summary>Plain: a handler that yields once to the thread pool.</summary>
    [Benchmark(Baseline = true, Description = "plain, async handler"), BenchmarkCategory("async")]
    public void PlainAsync() => Invoke(_plainAsync);

    /// <summary>The same handler under the request scope.</summary>
    [Benchmark(Description = "UseStructuredRequests, async handler"), BenchmarkCategory("async")]
    public void ScopedAsync() => Invoke(_scopedAsync);

    /// <summary>Plain: two children with Task.Run + Task.WhenAll.</summary>
    [Benchmark(Description = "plain, Task.WhenAll fan-out"), BenchmarkCategory("fanout")]
    public void PlainWhenAll() => Invoke(_plainWhenAll);

    /// <summary>The Task.WhenAll fan-out under the request scope: the baseline of the nursery.</summary>
    [Benchmark(Baseline = true, Description = "UseStructuredRequests, Task.WhenAll fan-out"), BenchmarkCategory("fanout")]
    public void ScopedWhenAll() => Invoke(_scopedWhenAll);

    /// <summary>The same two children in a nursery under the request scope.</summary>
    [Benchmark(Description = "UseStructuredRequests, nursery fan-out"), BenchmarkCategory("fanout")]
    public void ScopedNursery() => Invoke(_scopedNursery);

    /// <summary>The same two children, the nursery's body awaiting once before it returns (the one async frame of Nursery.RunAsync).</summary>
    [Benchmark(Description = "UseStructuredRequests, nursery fan-out, async body"), BenchmarkCategory("fanout")]
    public void ScopedNurseryAsyncBody() => Invoke(_scopedNurseryAsyncBody);
}
