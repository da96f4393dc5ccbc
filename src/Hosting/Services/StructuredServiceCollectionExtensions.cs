using System.Runtime.CompilerServices;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Structured;

// In the namespace of IServiceCollection, as AddHostedService: found without an extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers structured services with a host (<c>Microsoft.Extensions.Hosting</c>): each runs in a root nursery on a
/// loop thread of its own, stops in two phases and reports every error (see <see cref="StructuredService"/>).
/// </summary>
/// <example>
/// <code>
/// var builder = Host.CreateApplicationBuilder(args);
/// builder.Services.AddStructuredService&lt;ChatService&gt;();
/// builder.Services.AddStructuredService("ticker", async (nursery, stopping) =>
/// {
///     while (true)
///         await Time.SleepAsync(TimeSpan.FromSeconds(1));   // cancelled when the host stops
/// });
/// return await builder.Build().RunStructuredAsync();       // 0, or 1 when a service failed
/// </code>
/// </example>
public static class StructuredServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TService"/> as a singleton (unless it is registered already) and runs it as a
    /// structured service of the host.
    /// </summary>
    /// <typeparam name="TService">The service; its constructor's parameters come from the container.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets the service's options, on top of <c>IOptions&lt;StructuredServiceOptions&gt;</c>; null for those alone (by default: own loop thread, see <see cref="StructuredServiceOptions"/>).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddStructuredService<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TService>(
        this IServiceCollection services, Action<StructuredServiceOptions>? configure = null)
        where TService : StructuredService
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<TService>();
        return AddRunner(services, static provider => provider.GetRequiredService<TService>(), configure);
    }

    /// <summary>Runs <paramref name="body"/> as a structured service of the host.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The service's name in logs and in the task tree.</param>
    /// <param name="body">
    /// The service's code (<see cref="StructuredService.RunAsync"/> without the token): it runs in the stopping scope,
    /// and the tasks it starts into the nursery drain when the host stops. <c>CancelScope.CurrentToken</c> in the body
    /// is the stopping token.
    /// </param>
    /// <param name="configure">Sets the service's options, on top of <c>IOptions&lt;StructuredServiceOptions&gt;</c>; null for those alone.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public static IServiceCollection AddStructuredService(
        this IServiceCollection services, string name, Func<Nursery, Task> body, Action<StructuredServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return services.AddStructuredService(name, (nursery, _) => body(nursery), configure);
    }

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask"/>-returning function, as a structured service of the host; as <see cref="AddStructuredService(IServiceCollection, string, Func{Nursery, Task}, Action{StructuredServiceOptions}?)"/>.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The service's name in logs and in the task tree.</param>
    /// <param name="body">The service's code, a <see cref="ValueTask"/>-returning function.</param>
    /// <param name="configure">Sets the service's options, on top of <c>IOptions&lt;StructuredServiceOptions&gt;</c>; null for those alone.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    [OverloadResolutionPriority(-1)]
    public static IServiceCollection AddStructuredService(
        this IServiceCollection services, string name, Func<Nursery, ValueTask> body, Action<StructuredServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return services.AddStructuredService(name, (nursery, _) => body(nursery).AsTask(), configure);
    }

    /// <summary>Runs <paramref name="body"/> as a structured service of the host.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The service's name in logs and in the task tree.</param>
    /// <param name="body">The service's code: as <see cref="StructuredService.RunAsync"/>, with the root nursery and the stopping token.</param>
    /// <param name="configure">Sets the service's options, on top of <c>IOptions&lt;StructuredServiceOptions&gt;</c>; null for those alone.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public static IServiceCollection AddStructuredService(
        this IServiceCollection services, string name, Func<Nursery, CancellationToken, Task> body, Action<StructuredServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(body);
        var service = new DelegateStructuredService(name, body);
        return AddRunner(services, _ => service, configure);
    }

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask"/>-returning function of the root nursery and the stopping token, as a structured service of the host; as <see cref="AddStructuredService(IServiceCollection, string, Func{Nursery, CancellationToken, Task}, Action{StructuredServiceOptions}?)"/>.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The service's name in logs and in the task tree.</param>
    /// <param name="body">The service's code, a <see cref="ValueTask"/>-returning function.</param>
    /// <param name="configure">Sets the service's options, on top of <c>IOptions&lt;StructuredServiceOptions&gt;</c>; null for those alone.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    [OverloadResolutionPriority(-1)]
    public static IServiceCollection AddStructuredService(
        this IServiceCollection services, string name, Func<Nursery, CancellationToken, ValueTask> body, Action<StructuredServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return services.AddStructuredService(name, (nursery, stopping) => body(nursery, stopping).AsTask(), configure);
    }

    /// <summary>Runs <paramref name="body"/>, which reads the host's services, as a structured service of the host.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The service's name in logs and in the task tree.</param>
    /// <param name="body">The service's code: the host's service provider, the root nursery and the stopping token.</param>
    /// <param name="configure">Sets the service's options, on top of <c>IOptions&lt;StructuredServiceOptions&gt;</c>; null for those alone.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public static IServiceCollection AddStructuredService(
        this IServiceCollection services, string name, Func<IServiceProvider, Nursery, CancellationToken, Task> body, Action<StructuredServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(body);
        return AddRunner(services, provider => new DelegateStructuredService(name, (nursery, stopping) => body(provider, nursery, stopping)), configure);
    }

    /// <summary>Runs <paramref name="body"/>, a <see cref="ValueTask"/>-returning function that reads the host's services, as a structured service of the host; as <see cref="AddStructuredService(IServiceCollection, string, Func{IServiceProvider, Nursery, CancellationToken, Task}, Action{StructuredServiceOptions}?)"/>.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The service's name in logs and in the task tree.</param>
    /// <param name="body">The service's code, a <see cref="ValueTask"/>-returning function.</param>
    /// <param name="configure">Sets the service's options, on top of <c>IOptions&lt;StructuredServiceOptions&gt;</c>; null for those alone.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    [OverloadResolutionPriority(-1)]
    public static IServiceCollection AddStructuredService(
        this IServiceCollection services, string name, Func<IServiceProvider, Nursery, CancellationToken, ValueTask> body, Action<StructuredServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        return services.AddStructuredService(name, (provider, nursery, stopping) => body(provider, nursery, stopping).AsTask(), configure);
    }

    /// <summary>
    /// Lets operators see inside the running services: logs the task tree of every structured service when
    /// <see cref="StructuredDiagnosticsOptions.DumpSignal"/> arrives (by default SIGUSR1: <c>kill -USR1 &lt;pid&gt;</c>), and
    /// registers <see cref="StructuredDiagnostics"/> (which <c>AddStructuredService</c> registers too) for an admin endpoint.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets the options (the signal, how long a dump waits for a loop); null for the defaults.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    /// <remarks>
    /// Calling it again adds no second signal handler (a <paramref name="configure"/> given again still applies). The
    /// handler is registered when the host starts and removed when it stops; the host's start throws
    /// <see cref="PlatformNotSupportedException"/> if this platform cannot handle the configured signal.
    /// </remarks>
    /// <example>
    /// <code>
    /// builder.Services.AddStructuredDiagnostics();          // kill -USR1 &lt;pid&gt; logs every service's task tree
    /// app.MapGet("/admin/tasks", (StructuredDiagnostics d, CancellationToken aborted) =&gt; d.DumpTaskTreesAsync(aborted));
    /// </code>
    /// </example>
    public static IServiceCollection AddStructuredDiagnostics(this IServiceCollection services, Action<StructuredDiagnosticsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<StructuredDiagnosticsOptions>();
        if (configure is not null)
            services.Configure(configure);
        AddDiagnostics(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TaskTreeDumpSignal>(provider => new TaskTreeDumpSignal(
            provider.GetRequiredService<StructuredDiagnostics>(),
            provider.GetRequiredService<IOptions<StructuredDiagnosticsOptions>>().Value,
            provider.GetService<ILoggerFactory>())));
        return services;
    }

    static void AddDiagnostics(IServiceCollection services)
        => services.TryAddSingleton(provider => new StructuredDiagnostics(provider.GetService<IOptions<StructuredDiagnosticsOptions>>()?.Value));

    static IServiceCollection AddRunner(IServiceCollection services, Func<IServiceProvider, StructuredService> service, Action<StructuredServiceOptions>? configure)
    {
        services.TryAddSingleton<ServiceFailures>();
        AddDiagnostics(services);
        services.AddSingleton<IHostedService>(provider =>
        {
            // The container's options (bound from configuration, say), then this registration's own settings.
            var options = provider.GetService<IOptions<StructuredServiceOptions>>()?.Value.Clone() ?? new StructuredServiceOptions();
            configure?.Invoke(options);
            return new StructuredServiceRunner(
                service(provider),
                options,
                provider.GetService<ILoggerFactory>(),
                provider.GetService<IHostApplicationLifetime>(),
                provider.GetRequiredService<ServiceFailures>(),
                provider.GetRequiredService<StructuredDiagnostics>());
        });
        return services;
    }
}
