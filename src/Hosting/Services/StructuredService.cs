namespace Structured;

/// <summary>
/// A long-running service written with nurseries, hosted by <c>Microsoft.Extensions.Hosting</c>: derive from it,
/// override <see cref="RunAsync"/>, and register it with
/// <c>services.AddStructuredService&lt;TService&gt;()</c>.
/// </summary>
/// <remarks>
/// <para><b>Where it runs.</b> By default on a <see cref="Loop"/> of its own (one dedicated thread: code between awaits
/// never races with other tasks of the service); with <see cref="StructuredServiceOptions.RunOnThreadPool"/>, on the
/// .NET thread pool.</para>
/// <para><b>Stopping in two phases.</b> <see cref="RunAsync"/> runs inside a cancel scope of its own, the
/// <em>stopping scope</em>, while the tasks it starts into <c>nursery</c> run outside it:</para>
/// <list type="number">
/// <item><description>Soft phase: when the host begins to stop, the stopping scope is cancelled. The body of
/// <see cref="RunAsync"/> (typically the loop that accepts work) meets <see cref="Cancelled"/> at its next checkpoint,
/// <c>stopping</c> is cancelled (pass it to .NET APIs: a cancellation it raises is a clean stop), and the body
/// ends quietly. The tasks in <c>nursery</c>, the work in flight, keep running and finish.</description></item>
/// <item><description>Hard phase: if they have not finished when the host's <c>HostOptions.ShutdownTimeout</c> runs out,
/// the whole service is cancelled, and the task tree of what was still running is logged as a warning.</description></item>
/// </list>
/// <para>When the host's <c>StopAsync</c> returns, no task of the service is running. The one exception is code that
/// ignores cancellation (a blocking call, a shielded scope without a deadline): after
/// <see cref="StructuredServiceOptions.AbandonTimeout"/> it is abandoned, and the task tree saying where it is stuck is
/// logged as an error.</para>
/// <para><b>The stopping token.</b> Pass <c>stopping</c> to .NET APIs anywhere in the service, in the body or in the
/// tasks of <c>nursery</c>: an <see cref="OperationCanceledException"/> it raises once the host is stopping ends that
/// task cleanly (no error logged, exit code 0), and the other tasks keep draining. Each service logs under a
/// category of its own (its type's full name; <c>Structured.Services.</c> and the name for a delegate service).</para>
/// <para><b>Errors.</b> An exception from the body or from any task in the nursery cancels the rest (nursery rules)
/// and <c>stopping</c> with them (so a body waiting for work in <c>reader.ReadAsync(stopping)</c> stops taking it),
/// every error is logged through <c>ILogger</c>, the host is stopped and the process exit code is set to 1
/// (<see cref="Environment.ExitCode"/>; <c>host.RunStructuredAsync()</c> returns it too). The service always runs or
/// reports: even when the host stops right after it started, the body has started, and is then cancelled.</para>
/// </remarks>
/// <example>
/// <code>
/// sealed class Worker(IJobQueue queue) : StructuredService
/// {
///     protected override async Task RunAsync(Nursery nursery, CancellationToken stopping)
///     {
///         while (true)
///         {
///             var job = await queue.TakeAsync(stopping);          // cancelled when the host stops or a job fails: no new work
///             nursery.StartSoon(() => job.RunAsync(), job.Name);  // work in flight: drains before the host exits
///         }
///     }
/// }
///
/// builder.Services.AddStructuredService&lt;Worker&gt;();
/// </code>
/// </example>
public abstract class StructuredService
{
    /// <summary>The service's name in logs, in the task tree and on its loop thread.</summary>
    /// <value>The default is the name of the derived type.</value>
    public virtual string Name => GetType().Name;

    /// <summary>
    /// The service's code. Runs in the stopping scope (see the class remarks); starts its long-lived work into
    /// <paramref name="nursery"/>, the root nursery of the service, which the host waits for when it stops.
    /// </summary>
    /// <param name="nursery">The root nursery: tasks started into it drain when the host stops, until the shutdown timeout.</param>
    /// <param name="stopping">
    /// Cancelled when the host begins to stop (the soft phase), also after the body has returned, and whenever the
    /// service's nursery is cancelled: by an error in the body or in any of its tasks, or by the hard phase. Pass it to
    /// .NET APIs in the body and in the tasks of <paramref name="nursery"/>: an <see cref="OperationCanceledException"/>
    /// with this token, once it is cancelled, ends that task quietly (no error of its own: a stop is exit code 0, an
    /// error that cancelled the service is logged and makes it 1) and lets the others drain.
    /// </param>
    /// <returns>A task that completes when the body is done; the service is done when the nursery is too.</returns>
    protected abstract Task RunAsync(Nursery nursery, CancellationToken stopping);

    /// <summary>The runner's way in: <see cref="RunAsync"/> stays <c>protected</c>, so overrides read the same everywhere.</summary>
    internal Task InvokeAsync(Nursery nursery, CancellationToken stopping) => RunAsync(nursery, stopping);

    /// <summary>
    /// The log category of the service's lifecycle messages: the derived type's full name, as for <c>ILogger&lt;TService&gt;</c>,
    /// so that <c>"Logging:LogLevel:MyApp.Worker"</c> sets it apart from the other services.
    /// </summary>
    internal virtual string LogCategory => GetType().FullName ?? GetType().Name;

    /// <inheritdoc/>
    public override string ToString() => $"structured service '{Name}'";
}
