using System.Text;

// Off-loop code by design: called from admin endpoints and signal handlers off the loop; nothing after an await touches a loop, so resuming on the pool is right even for a caller on a loop (its own await resumes where it was).
#pragma warning disable STR105

namespace Structured;

/// <summary>
/// The live task trees of the host's structured services, for an admin or health endpoint: which tasks run, what each
/// waits on, their scopes' deadlines and cancel reasons. A singleton of the container, registered by
/// <c>AddStructuredService</c>; thread-safe.
/// </summary>
/// <remarks>
/// <para>Each tree is written by its service's own loop thread between two steps (a post to the loop), so it is exact
/// and never races the tasks it describes. A loop that does not answer within
/// <see cref="StructuredDiagnosticsOptions.LoopAnswerTimeout"/> is blocked by synchronous code: its tree is then read
/// from the calling thread (best effort) and says so. Services on the thread pool are always read that way.</para>
/// <para>Every service is asked at once: a dump of any number of services takes at most one answer timeout.</para>
/// </remarks>
/// <example>
/// <code>
/// app.MapGet("/admin/tasks", (StructuredDiagnostics diagnostics, CancellationToken aborted)
///     =&gt; diagnostics.DumpTaskTreesAsync(aborted));
/// </code>
/// </example>
public sealed class StructuredDiagnostics
{
    readonly Lock _gate = new();
    readonly List<StructuredServiceRunner> _runners = [];
    readonly StructuredDiagnosticsOptions _options;

    internal StructuredDiagnostics(StructuredDiagnosticsOptions? options) => _options = options ?? new StructuredDiagnosticsOptions();

    /// <summary>The names of the structured services of the host, in the order the host created them.</summary>
    /// <remarks>Empty until the host has been built and its hosted services created (at <c>host.StartAsync</c>).</remarks>
    public IReadOnlyList<string> Services
    {
        get
        {
            lock (_gate)
                return [.. _runners.Select(r => r.Name)];
        }
    }

    /// <summary>Reads the task tree of every structured service of the host.</summary>
    /// <param name="cancellationToken">Abandons the wait for the loops' answers.</param>
    /// <returns>One tree per service, in the order of <see cref="Services"/>.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before every loop answered.</exception>
    /// <remarks>Never throws for a service in a bad state: a blocked loop, a service not started or finished has a tree that says so.</remarks>
    public async Task<IReadOnlyList<ServiceTaskTree>> GetTaskTreesAsync(CancellationToken cancellationToken = default)
    {
        StructuredServiceRunner[] runners;
        lock (_gate)
            runners = [.. _runners];
        var timeout = _options.LoopAnswerTimeout;
        return await Task.WhenAll(runners.Select(r => r.TaskTreeAsync(timeout, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>The task trees of every structured service as one text, for a log or an HTTP response.</summary>
    /// <param name="cancellationToken">Abandons the wait for the loops' answers.</param>
    /// <returns>A line per service, its tree under it; a line saying that there is no service when there is none.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before every loop answered.</exception>
    public async Task<string> DumpTaskTreesAsync(CancellationToken cancellationToken = default)
    {
        var trees = await GetTaskTreesAsync(cancellationToken).ConfigureAwait(false);
        if (trees.Count == 0)
            return "(no structured service in this host)\n";
        var text = new StringBuilder();
        foreach (var tree in trees)
            text.Append(tree).AppendLine();
        return text.ToString();
    }

    internal void Add(StructuredServiceRunner runner)
    {
        lock (_gate)
            _runners.Add(runner);
    }
}
