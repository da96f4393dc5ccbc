using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Structured;

// In the namespace of IApplicationBuilder, as UseRouting: found without an extra using.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds the structured request middleware to an ASP.NET Core pipeline.</summary>
public static class StructuredRequestsApplicationBuilderExtensions
{
    /// <summary>
    /// Runs the rest of the pipeline of every request inside a cancel scope and a nursery of its own, on the thread pool.
    /// The scope is cancelled when the client aborts the request, when the incoming deadline passes (<c>grpc-timeout</c>,
    /// and the header of <see cref="StructuredRequestOptions.DeadlineHeader"/> when set) and when the host's shutdown timeout
    /// runs out; <see cref="CancelScope.CurrentToken"/> and <see cref="CancelScope.CurrentEffectiveDeadline"/> see it in
    /// handlers. The response is completed only after the request's nursery (<c>HttpContext.GetStructuredRequest().Nursery</c>)
    /// and every nursery the handler opened have ended. A request whose scope caught its cancellation before the response
    /// started gets 504 (a deadline: the incoming one, or one that ran out downstream) or 503 (the host's shutdown cut it
    /// short, or an explicit cancel), with RFC 9457 problem details naming the reason when the client accepts JSON
    /// (through <c>IProblemDetailsService</c> when <c>AddProblemDetails()</c> registered it); a response that had started
    /// is aborted.
    /// </summary>
    /// <param name="app">The app; put the call before the endpoints (<c>MapGet</c>, <c>MapGrpcService</c>, ...), after the middleware that should stay outside the scope.</param>
    /// <returns><paramref name="app"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="app"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><c>builder.Services.AddStructuredRequests()</c> was not called.</exception>
    public static IApplicationBuilder UseStructuredRequests(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var services = app.ApplicationServices;
        var tracker = services.GetService<RequestTracker>() ?? throw new InvalidOperationException(
            "app.UseStructuredRequests() needs its services: call builder.Services.AddStructuredRequests() before builder.Build().");
        var options = services.GetRequiredService<IOptions<StructuredRequestOptions>>();
        var logger = services.GetRequiredService<ILogger<StructuredRequestMiddleware>>();
        return app.Use((RequestDelegate next) => new StructuredRequestMiddleware(next, options, tracker, logger).InvokeAsync);
    }
}
