using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Structured;

// In the namespace of IHost, as RunAsync: found without an extra using.
namespace Microsoft.Extensions.Hosting;

/// <summary>Runs a host with structured services and turns their outcome into the process exit code.</summary>
public static class StructuredHostExtensions
{
    /// <summary>
    /// Runs <paramref name="host"/> until it stops (Ctrl+C, SIGTERM, <c>StopApplication</c>, a failing structured
    /// service), disposes it, and returns the exit code for <c>Main</c>: 0 when every structured service stopped
    /// cleanly, 1 when one failed (an error, or tasks abandoned at shutdown) or the host itself threw (logged first).
    /// </summary>
    /// <param name="host">The host, with services registered by <c>AddStructuredService</c>.</param>
    /// <param name="cancellationToken">Stops the host when cancelled, as for <c>host.RunAsync</c>.</param>
    /// <returns>The exit code: 0 or 1.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="host"/> is null.</exception>
    /// <example>
    /// <code>
    /// static Task&lt;int&gt; Main(string[] args)
    /// {
    ///     var builder = Host.CreateApplicationBuilder(args);
    ///     builder.Services.AddStructuredService&lt;Worker&gt;();
    ///     return builder.Build().RunStructuredAsync();
    /// }
    /// </code>
    /// </example>
    public static async Task<int> RunStructuredAsync(this IHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var failures = host.Services.GetService<ServiceFailures>();
        int exitCode = 0;
        try
        {
            // host.RunAsync, taken apart so that a failure is logged before the host (and its loggers) is disposed.
            await host.StartAsync(cancellationToken);
            await host.WaitForShutdownAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping by the caller's token is a normal stop.
        }
#pragma warning disable CA1031, STR103 // Whatever the host throws becomes exit code 1, after it was logged: that is the point (the top of the program: no scope above to hand a cancellation to).
        catch (Exception e)
#pragma warning restore CA1031, STR103
        {
            if (host.Services.GetService<ILoggerFactory>() is { } loggers)
            {
                var logger = loggers.CreateLogger<StructuredService>();
                HostingLog.HostFailed(logger, e);
            }
            exitCode = 1;
        }
        finally
        {
            if (host is IAsyncDisposable asyncDisposable)
                await asyncDisposable.DisposeAsync();
            else
                host.Dispose();
        }
        return exitCode != 0 || failures?.Count > 0 ? 1 : 0;
    }
}
