namespace Structured;

/// <summary>How one structured service runs and stops (see <see cref="StructuredService"/>).</summary>
/// <remarks>
/// Every structured service starts from the options of the container (<c>IOptions&lt;StructuredServiceOptions&gt;</c>),
/// then applies the <c>configure</c> delegate of its own registration. Bind them from configuration with
/// <c>builder.Services.Configure&lt;StructuredServiceOptions&gt;(builder.Configuration.GetSection(StructuredServiceOptions.SectionName))</c>.
/// </remarks>
/// <example>
/// <code>
/// // appsettings.json: { "Structured": { "AbandonTimeout": "00:00:10", "RunOnThreadPool": false } }
/// builder.Services.Configure&lt;StructuredServiceOptions&gt;(builder.Configuration.GetSection(StructuredServiceOptions.SectionName));
/// builder.Services.AddStructuredService&lt;Worker&gt;(o =&gt; o.StopHostWhenDone = true);   // on top of the bound values
/// </code>
/// </example>
public sealed class StructuredServiceOptions
{
    /// <summary>The configuration section that holds these options by convention: <c>"Structured"</c>.</summary>
    public const string SectionName = "Structured";

    TimeSpan _abandonTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether the service runs on the .NET thread pool instead of on a <see cref="Loop"/> of its own.
    /// </summary>
    /// <value>The default is false: a dedicated loop thread, so code between awaits never races with the service's other tasks.</value>
    public bool RunOnThreadPool { get; set; }

    /// <summary>The options of the service's loop (clock, schedule, instruments); ignored with <see cref="RunOnThreadPool"/>.</summary>
    /// <value>The default is null: real time, FIFO scheduling.</value>
    public LoopOptions? LoopOptions { get; set; }

    /// <summary>Whether the host stops once the service has finished by itself, without an error.</summary>
    /// <value>
    /// The default is false, as for <c>BackgroundService</c>: the other services keep the host running. Set it for a
    /// worker whose end is the end of the program. A service that fails always stops the host.
    /// </value>
    public bool StopHostWhenDone { get; set; }

    /// <summary>
    /// How long the host's <c>StopAsync</c> waits, after the shutdown timeout cancelled the service, for its tasks to
    /// unwind. Code still running then ignores cancellation: it is abandoned, the task tree saying where it is stuck is
    /// logged as an error, and the exit code is set to 1.
    /// </summary>
    /// <value>The default is 5 seconds. Cancellation unwinds in microseconds unless code blocks or ignores it.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative (other than <see cref="Timeout.InfiniteTimeSpan"/>, which waits without limit).</exception>
    public TimeSpan AbandonTimeout
    {
        get => _abandonTimeout;
        set => _abandonTimeout = AbandonTimeoutOption.Checked(value, nameof(StructuredServiceOptions));
    }

    /// <summary>
    /// How long the service's loop may go without running a posted callback before it is reported as blocked: a
    /// warning with the task tree (the task shown as <c>Running</c> is the one holding the loop thread), then an
    /// information line with how long it was blocked once it runs again. Null turns the detector off.
    /// </summary>
    /// <value>
    /// The default is null: off. One second is a good start for a service; a step of a healthy loop takes microseconds.
    /// Ignored with <see cref="RunOnThreadPool"/> (there is no loop thread to block).
    /// </value>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public TimeSpan? BlockedLoopThreshold
    {
        get => _blockedLoopThreshold;
        set
        {
            if (value is { } threshold)
                ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(threshold, TimeSpan.Zero);
            _blockedLoopThreshold = value;
        }
    }

    TimeSpan? _blockedLoopThreshold;

    /// <summary>Whether a failure sets <see cref="Environment.ExitCode"/> to 1, so that a plain <c>host.Run()</c> exits non-zero.</summary>
    /// <value>The default is true. <c>host.RunStructuredAsync()</c> returns 1 after a failure either way.</value>
    public bool SetExitCode { get; set; } = true;

    /// <summary>A copy, for one service: the container's options are shared by every service.</summary>
    internal StructuredServiceOptions Clone() => (StructuredServiceOptions)MemberwiseClone();
}
