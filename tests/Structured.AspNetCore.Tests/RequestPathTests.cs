using Microsoft.AspNetCore.Http.Features;

namespace AspNetCoreTests;

/// <summary>
/// The request path's shape (issue 24): one scope per request, which is its nursery's scope; the nursery made only when
/// used; no trace of the request in the caller's flow when the pipeline completes synchronously; the task tree of a
/// request in flight; and a budget of bytes per request. In-process pipelines on a <see cref="DefaultHttpContext"/>:
/// the server's part is not what these check.
/// </summary>
public sealed class RequestPathTests : IDisposable
{
    readonly CancellationTokenSource _aborted = new();
    readonly ServiceProvider _services;

    public RequestPathTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddStructuredRequests(o => o.SetExitCode = false);
        _services = services.BuildServiceProvider();
    }

    public void Dispose()
    {
        _services.Dispose();
        _aborted.Dispose();
    }

    RequestDelegate Pipeline(RequestDelegate handler)
    {
        var app = new ApplicationBuilder(_services);
        app.UseStructuredRequests();
        app.Run(handler);
        return app.Build();
    }

    DefaultHttpContext Context(string path = "/x")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = path;
        context.Features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = _aborted.Token });
        return context;
    }

    [Fact]
    public async Task The_request_nursery_runs_in_the_request_scope_itself()
    {
        StructuredRequest? seen = null;
        CancelScope? current = null;
        CancelScope? nurseryScope = null;
        var pipeline = Pipeline(context =>
        {
            seen = context.GetStructuredRequest();
            current = CancelScope.Current;
            nurseryScope = seen.Nursery.CancelScope;
            return Task.CompletedTask;
        });
        await pipeline(Context()).Within();
        Assert.NotNull(seen);
        Assert.Same(seen.Scope, current);
        Assert.Same(seen.Scope, nurseryScope);
        Assert.True(seen.Nursery.IsClosed);
    }

    [Fact]
    public async Task A_synchronous_pipeline_leaves_no_task_and_no_scope_in_the_callers_flow()
    {
        var pipeline = Pipeline(context => Task.CompletedTask);
        var before = TaskInfo.Current.Name;
        var task = pipeline(Context());
        Assert.True(task.IsCompletedSuccessfully);
        Assert.Null(CancelScope.Current);
        Assert.Equal("(external)", before);
        Assert.Equal("(external)", TaskInfo.Current.Name);
        await task;
    }

    [Fact]
    public async Task An_asynchronous_pipeline_leaves_no_task_and_no_scope_in_the_callers_flow()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? inside = null;
        var pipeline = Pipeline(async context =>
        {
            inside = TaskInfo.Current.Name;
            await release.Task;
        });
        var task = pipeline(Context("/async"));
        Assert.False(task.IsCompleted);
        Assert.Null(CancelScope.Current);
        Assert.Equal("(external)", TaskInfo.Current.Name);
        Assert.Equal("request GET /async", inside);
        release.SetResult();
        await task.Within();
    }

    [Fact]
    public async Task The_nursery_of_a_request_that_never_used_it_cannot_be_read_after_the_pipeline()
    {
        StructuredRequest? seen = null;
        var pipeline = Pipeline(context =>
        {
            seen = context.GetStructuredRequest();
            return Task.CompletedTask;
        });
        await pipeline(Context("/late")).Within();
        var error = Assert.Throws<InvalidOperationException>(() => seen!.Nursery);
        Assert.Contains("request GET /late", error.Message, StringComparison.Ordinal);
        Assert.Contains("Start work into it while the request runs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_child_started_after_the_pipeline_returned_is_waited_for()
    {
        var childRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pipeline = Pipeline(context =>
        {
            var request = context.GetStructuredRequest();
            request.Nursery.StartSoon(async () =>
            {
                await Task.Yield();
                // A sibling started from a child, while the pipeline has returned and the nursery waits.
                request.Nursery.StartSoon(async () =>
                {
                    await Task.Yield();
                    childRan.SetResult();
                }, "sibling");
            }, "child");
            return Task.CompletedTask;
        });
        await pipeline(Context()).Within();
        Assert.True(childRan.Task.IsCompleted);
    }

    [Fact]
    public async Task A_request_in_flight_shows_its_scope_and_its_children_in_the_task_tree()
    {
        var childWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new Event();
        var pipeline = Pipeline(context =>
        {
            context.GetStructuredRequest().Nursery.StartSoon(async () =>
            {
                childWaiting.SetResult();
                await release.WaitAsync();
            }, "waiting child");
            return Task.CompletedTask;
        });
        var request = pipeline(Context("/tree"));
        await childWaiting.Task.Within();
        var tree = _services.GetRequiredService<RequestTracker>().DescribeInFlight();
        release.Set();
        await request.Within();
        Assert.Contains("request GET /tree", tree, StringComparison.Ordinal);
        Assert.Contains("task 'request GET /tree'", tree, StringComparison.Ordinal);
        Assert.Contains("nursery scope", tree, StringComparison.Ordinal);
        Assert.Contains("task 'waiting child'", tree, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handlers_error_comes_out_of_the_pipeline_as_a_nursery_bodys_does()
    {
        var pipeline = Pipeline(context => throw new InvalidOperationException("handler failed"));
        var error = await Assert.ThrowsAsync<AggregateException>(() => pipeline(Context()).Within());
        Assert.Equal("handler failed", Assert.IsType<InvalidOperationException>(Assert.Single(error.InnerExceptions)).Message);
    }

    [Fact]
    public async Task A_request_with_a_synchronous_handler_allocates_within_its_budget()
    {
        // The in-process share of the request path (bench/Structured.AspNetBench measures it exactly: 416 B in-process,
        // about 2,100 B on Kestrel before issue 24). The budget is loose on purpose: it fails on a return to a scope around a nursery
        // around a scope with five async frames, not on a field more.
        const int Budget = 640;
        var pipeline = Pipeline(context => Task.CompletedTask);
        var context = Context();
        for (int i = 0; i < 100; i++)
            await pipeline(context);
        const int Requests = 1000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Requests; i++)
        {
            var task = pipeline(context);
            Assert.True(task.IsCompletedSuccessfully);
        }
        long perRequest = (GC.GetAllocatedBytesForCurrentThread() - before) / Requests;
        Assert.True(perRequest <= Budget, $"A request under UseStructuredRequests() allocated {perRequest} B; its budget is {Budget} B.");
    }
}
