using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Off-loop code by design: the signal handler runs on the pool, outside any Structured task: no cancel scope can reach it, and a failed dump must be logged, never thrown at the runtime's signal thread.
#pragma warning disable STR103, STR105

namespace Structured;

/// <summary>
/// Logs the task tree of every structured service when <see cref="StructuredDiagnosticsOptions.DumpSignal"/> arrives
/// (<c>kill -USR1 &lt;pid&gt;</c>), as the JVM prints its threads on SIGQUIT. Registered by <c>AddStructuredDiagnostics</c>.
/// </summary>
/// <remarks>
/// The handler runs on the runtime's signal thread, which also delivers SIGTERM: it only starts the dump on the thread
/// pool and returns, so a blocked service (whose loop does not answer for the answer timeout) never delays a shutdown.
/// The dump is logged at Warning, under the category <c>Structured.Diagnostics</c>: an operator asked for it, and the
/// usual production filter (Warning and above) must not swallow it.
/// </remarks>
internal sealed class TaskTreeDumpSignal(StructuredDiagnostics diagnostics, StructuredDiagnosticsOptions options, ILoggerFactory? loggerFactory)
    : IHostedService, IDisposable
{
    internal const string LogCategory = "Structured.Diagnostics";

    readonly ILogger _logger = loggerFactory?.CreateLogger(LogCategory) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    PosixSignalRegistration? _registration;

    /// <summary>Registers the handler of the dump signal, if there is one.</summary>
    /// <exception cref="PlatformNotSupportedException">This platform cannot handle the configured signal (set DumpSignal to null, or to another signal).</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.DumpSignal is { } signal && !OperatingSystem.IsAndroid() && !OperatingSystem.IsBrowser() && !OperatingSystem.IsIOS() && !OperatingSystem.IsTvOS())
        {
            try
            {
                _registration = PosixSignalRegistration.Create(signal, context => _ = Handle(context));
            }
            catch (PlatformNotSupportedException e)
            {
                throw new PlatformNotSupportedException(
                    $"StructuredDiagnosticsOptions.DumpSignal: this platform cannot handle signal {(int)signal}; set DumpSignal to null (no signal) or to a signal it has.", e);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Unregisters the handler: the signal gets its default action again.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Unregisters the handler.</summary>
    public void Dispose() => Interlocked.Exchange(ref _registration, null)?.Dispose();

    /// <summary>Handles one signal: cancels its default action (SIGUSR1's ends the process) and dumps on the thread pool.</summary>
    /// <returns>The dump, logged when it completes (for tests).</returns>
    internal Task Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        var signal = Describe(context.Signal);
        return Task.Run(async () =>
        {
            try
            {
                HostingLog.TaskTreesDumped(_logger, signal, await diagnostics.DumpTaskTreesAsync().ConfigureAwait(false));
            }
            catch (Exception e)
            {
                // Never an unobserved exception on the signal path: a dump that failed is logged.
                HostingLog.TaskTreesDumpFailed(_logger, e, signal);
            }
        }, CancellationToken.None);
    }

    /// <summary>The signal's name: the enum's, or SIGUSR1 for the raw number of this platform, else "signal N".</summary>
    static string Describe(PosixSignal signal)
        => signal == StructuredDiagnosticsOptions.DefaultDumpSignal ? "SIGUSR1"
            : Enum.IsDefined(signal) ? signal.ToString()
            : $"signal {(int)signal}";
}
