using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Structured;

// In the namespace of IServiceCollection: found without an extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the services of <c>app.UseStructuredRequests()</c>: a cancel scope and a nursery per request, and their shutdown.</summary>
public static class StructuredRequestsServiceCollectionExtensions
{
    /// <summary>
    /// Registers what <c>app.UseStructuredRequests()</c> needs, and the host's two-phase stop of the requests in flight
    /// (drain until the ShutdownTimeout, then cancel; logged, and exit code 1 from <c>app.RunStructuredAsync()</c> when
    /// requests had to be cut short).
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Sets the options (the deadline headers honoured, the abandon timeout); null for the defaults.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    /// <example>
    /// <code>
    /// var builder = WebApplication.CreateBuilder(args);
    /// builder.Services.AddStructuredRequests(o => o.DeadlineHeader = StructuredRequestOptions.DefaultDeadlineHeader);
    /// var app = builder.Build();
    /// app.UseStructuredRequests();
    /// app.MapGet("/", async () => { await Time.SleepAsync(TimeSpan.FromMilliseconds(10)); return "done"; });
    /// return await app.RunStructuredAsync();
    /// </code>
    /// </example>
    public static IServiceCollection AddStructuredRequests(this IServiceCollection services, Action<StructuredRequestOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<StructuredRequestOptions>();
        if (configure is not null)
            options.Configure(configure);
        services.TryAddSingleton<RequestTracker>();
        services.TryAddSingleton<ServiceFailures>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RequestDrainService>());
        return services;
    }
}
