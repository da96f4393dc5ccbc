using System.Runtime.InteropServices;

namespace Structured;

/// <summary>How <see cref="StructuredDiagnostics"/> reads the task trees of the host's structured services, and which signal dumps them.</summary>
/// <remarks>
/// Set them with <c>services.AddStructuredDiagnostics(o =&gt; ...)</c>, or bind them from configuration with
/// <c>services.Configure&lt;StructuredDiagnosticsOptions&gt;(...)</c>.
/// </remarks>
public sealed class StructuredDiagnosticsOptions
{
    TimeSpan _loopAnswerTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The signal that makes <c>AddStructuredDiagnostics</c> log every service's task tree, or null for none.
    /// </summary>
    /// <value>
    /// The default is SIGUSR1 (raw number 10 on Linux, 30 on macOS and FreeBSD; <see cref="PosixSignal"/> has no name for
    /// it, and the runtime accepts a raw number cast to it), null on Windows. Not SIGQUIT, the JVM's thread-dump signal:
    /// the generic host's console lifetime stops the application on SIGQUIT.
    /// </value>
    public PosixSignal? DumpSignal { get; set; } = DefaultDumpSignal;

    /// <summary>
    /// How long a dump waits for a service's loop thread to write its tree between two steps before it reads a snapshot
    /// from another thread instead (and says that the loop is blocked).
    /// </summary>
    /// <value>The default is 500 ms. A loop that runs answers within one step.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan LoopAnswerTimeout
    {
        get => _loopAnswerTimeout;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _loopAnswerTimeout = value;
        }
    }

    /// <summary>SIGUSR1 by its raw number on this platform, or null where there is none.</summary>
    internal static PosixSignal? DefaultDumpSignal
        => OperatingSystem.IsLinux() ? (PosixSignal)10
            : OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? (PosixSignal)30
            : null;
}
