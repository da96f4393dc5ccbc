using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Structured;

/// <summary>
/// The <see cref="IHostedService"/> that runs one <see cref="StructuredService"/>: a root nursery on a loop thread of
/// its own (or on the thread pool), stopped in two phases by the host.
/// </summary>
/// <remarks>
/// The shape of the service's task, outermost first: <c>_everything</c> (the hard phase cancels it) → the root nursery
/// (the service's long-lived tasks) → <c>_stopping</c> (the soft phase cancels it) → the service's body. Both scopes
/// may be cancelled from the host's thread: <see cref="CancelScope.Cancel(string?)"/> is thread-safe, and a scope
/// cancelled before the loop entered it is cancelled on entry (the body still starts and meets it at its first
/// checkpoint: "always runs or reports").
/// </remarks>
internal sealed class StructuredServiceRunner : IHostedService, IDisposable
{
    // How long StopAsync waits for the loop thread to write the task tree before it takes a snapshot itself.
    static readonly TimeSpan TreeTimeout = TimeSpan.FromMilliseconds(500);

    readonly StructuredService _service;
    readonly StructuredServiceOptions _options;
    readonly ILogger _logger;
    readonly IHostApplicationLifetime? _lifetime;
    readonly ServiceFailures? _failures;
    readonly CancelScope _stopping = new();
    readonly CancelScope _everything = new();
    // The token handed to the service as `stopping`, cancelled with the soft phase and whenever the root nursery is
    // cancelled (an error in the service, the hard phase): code that passes it to .NET APIs stops with the service, as
    // it does with the service's own checkpoints. Not the stopping scope's own token: that one is dead once the body
    // has returned, and the tasks in the nursery hold on to it after that.
    readonly CancellationTokenSource _stopSource = new();
    readonly TaskCompletionSource _bodyStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Written once by the service's own thread, read by StopAsync on the host's thread (for the task tree).
    volatile Loop? _loop;
    volatile TaskInfo? _root;
    volatile BlockedLoopDetector? _detector;
    int _startCalled;
    int _stopCalled;
    volatile bool _stopRequested;
    volatile bool _failed;

    internal StructuredServiceRunner(
        StructuredService service,
        StructuredServiceOptions options,
        ILoggerFactory? loggerFactory,
        IHostApplicationLifetime? lifetime,
        ServiceFailures? failures,
        StructuredDiagnostics? diagnostics = null)
    {
        _service = service;
        _options = options;
        // Each service under a category of its own, so that its log level can be set apart from the others'.
        _logger = loggerFactory?.CreateLogger(service.LogCategory) ?? NullLogger.Instance;
        _lifetime = lifetime;
        _failures = failures;
        diagnostics?.Add(this);
    }

    /// <summary>The service's name, in logs and in task tree dumps.</summary>
    internal string Name => _service.Name;

    /// <summary>Starts the service's thread and returns once its body has started.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _startCalled, 1) != 0)
            throw new InvalidOperationException($"The {_service} was started twice; a structured service runs once per host.");
        var name = _service.Name;
        if (_options.RunOnThreadPool)
        {
            // Not in the caller's ExecutionContext: an ambient task of the caller (an AsyncLocal) must not adopt the service.
            // Not forgotten: the body reports its start through _bodyStarted and its end and errors through _failures.
            using (ExecutionContext.SuppressFlow())
#pragma warning disable STR107 // The service's root: nothing above it to start it in; its outcome is reported as above.
                _ = Task.Run(RunOnThreadPoolAsync, CancellationToken.None);
#pragma warning restore STR107
        }
        else
        {
            var thread = new Thread(RunLoopThread) { IsBackground = true, Name = $"structured service '{name}'" };
            thread.UnsafeStart();
        }
        HostingLog.Started(_logger, name, _options.RunOnThreadPool ? "the thread pool" : "a loop thread of its own");
        // Waiting for the body to start takes a thread start: it is what makes "always runs or reports" hold.
        return _bodyStarted.Task;
    }

    /// <summary>
    /// Soft phase (the body is cancelled, the work in flight drains) until <paramref name="cancellationToken"/> (the
    /// host's ShutdownTimeout) fires; then the hard phase; then, after <see cref="StructuredServiceOptions.AbandonTimeout"/>,
    /// abandonment with the task tree logged.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _startCalled) == 0 || _finished.Task.IsCompleted)
            return;
        if (Interlocked.Exchange(ref _stopCalled, 1) != 0)
        {
            // A second stop (the host's own after StopApplication, say) waits for the first, within its own timeout.
            await FinishesAsync(cancellationToken);
            return;
        }
        var name = _service.Name;
        long stopStart = TimeProvider.System.GetTimestamp();
        _stopRequested = true;
        HostingLog.Stopping(_logger, name);
        _stopping.Cancel("the host is stopping");
        await _stopSource.CancelAsync();
        if (await FinishesAsync(cancellationToken))
        {
            HostingLog.Stopped(_logger, name);
            return;
        }

        // The work in flight did not drain in time: cutting it short is a failure of the service (exit code 1),
        // with the tasks it cut short logged.
        var after = TimeProvider.System.GetElapsedTime(stopStart);
        HostingLog.ShutdownTimeoutExpired(_logger, name, $"{after.TotalSeconds:0.###} s", (await TaskTreeAsync(TreeTimeout, CancellationToken.None)).Tree);
        MarkFailed();
        _everything.Cancel("the host's ShutdownTimeout ran out");
        if (await FinishesAsync(_options.AbandonTimeout))
        {
            HostingLog.Stopped(_logger, name);
            return;
        }

        HostingLog.Abandoned(_logger, name, _options.AbandonTimeout, (await TaskTreeAsync(TreeTimeout, CancellationToken.None)).Tree);
    }

    /// <summary>Disposed with the host's container, after StopAsync: the tokens already handed out stay valid (cancelled).</summary>
    public void Dispose() => _stopSource.Dispose();

    void RunLoopThread()
    {
        try
        {
            Loop.Run(RunRootAsync, _options.LoopOptions);
        }
        catch (Exception e)
        {
            // The loop itself failed: a callback posted to it threw.
            Fail(e);
        }
        finally
        {
            Completed();
        }
    }

    async Task RunOnThreadPoolAsync()
    {
        try
        {
            await RunRootAsync();
        }
        finally
        {
            Completed();
        }
    }

    async Task RunRootAsync()
    {
        _loop = Loop.Current;
        _root = TaskRuntime.EnsureTask();
        if (_loop is { } loop && _options.BlockedLoopThreshold is { } threshold)
        {
            var detector = new BlockedLoopDetector(loop, _root, _finished.Task, threshold, _service.Name, _logger);
            _detector = detector;
            detector.Start();
        }
        CancellationTokenRegistration followNursery = default;
        try
        {
            await _everything.RunAsync(() => Nursery.RunAsync(nursery => _stopping.RunAsync(async () =>
            {
                // A task of the root nursery that passed `stopping` to a .NET API and ends with its cancellation
                // stopped as asked: a clean end, its siblings keep draining (what BackgroundService users expect).
                nursery.IsQuietEnd = IsStopRequestedCancellation;
                // An error anywhere in the service (or the hard phase) cancels the root nursery: `stopping` with it, so
                // that a body waiting in `reader.ReadAsync(stopping)` stops taking work instead of starting it into a
                // cancelled nursery. Kept until the nursery has ended: a child's error after the body returned counts too.
                // The scope's token is cancelled synchronously, before the tasks parked in it are woken.
                followNursery = nursery.CancelScope.Token.UnsafeRegister(
                    static source => ((CancellationTokenSource)source!).Cancel(), _stopSource);
                _bodyStarted.TrySetResult();
                try
                {
                    await _service.InvokeAsync(nursery, _stopSource.Token);
                }
                catch (Exception e) when (IsStopRequestedCancellation(e))
                {
                    // The body stopped on `stopping`, as asked.
                }
            })));
        }
#pragma warning disable STR103 // The root of the service's task tree: every error, a cancellation too, is the service's failure to report.
        catch (Exception e)
#pragma warning restore STR103
        {
            Fail(e);
        }
        finally
        {
            followNursery.Dispose();
        }
    }

    /// <summary>
    /// Whether <paramref name="error"/> is only cancellations raised by the stopping token once it was cancelled (the
    /// host asked the service to stop, or the service was cancelled by an error already recorded): an
    /// OperationCanceledException carrying that token, alone or as every leaf of a group.
    /// </summary>
    bool IsStopRequestedCancellation(Exception error)
    {
        var token = _stopSource.Token;
        if (!token.IsCancellationRequested)
            return false;
        return error is AggregateException group
            ? group.Leaves().All(e => IsStoppingCancellation(e, token) || CancelScope.IsOurCancellation(e))
                && group.Leaves().Any(e => IsStoppingCancellation(e, token))
            : IsStoppingCancellation(error, token);
    }

    static bool IsStoppingCancellation(Exception error, CancellationToken token)
        => error is OperationCanceledException oce && oce.CancellationToken == token && token.IsCancellationRequested;

    void Fail(Exception error)
    {
        var errors = error is AggregateException group ? group.Leaves().ToList() : [error];
        if (_stopSource.IsCancellationRequested)
        {
            // Cancellations by the stopping token during shutdown or after an error (from a nested nursery, say) are no
            // errors: the error that cancelled the service, if any, is among the others.
            var token = _stopSource.Token;
            errors.RemoveAll(e => IsStoppingCancellation(e, token));
            if (errors.Count == 0)
                return;
        }
        var name = _service.Name;
        for (int i = 0; i < errors.Count; i++)
            HostingLog.Error(_logger, errors[i], name, i + 1, errors.Count, errors[i].GetTaskName() ?? name);
        HostingLog.Failed(_logger, name, errors.Count);
        MarkFailed();
    }

    void MarkFailed()
    {
        _failed = true;
        _failures?.Record();
        if (_options.SetExitCode && Environment.ExitCode == 0)
            Environment.ExitCode = 1;
    }

    /// <summary>Runs on the service's own thread once everything has finished (never on the loop: the loop is done).</summary>
    void Completed()
    {
        // A loop that crashed before the body started must not leave StartAsync waiting.
        _bodyStarted.TrySetResult();
        if (!_failed && !_stopRequested)
            HostingLog.Finished(_logger, _service.Name);
        _finished.TrySetResult();
        // Off the loop thread, so that ApplicationStopping callbacks (run synchronously) never run on a loop.
        if (_failed || (!_stopRequested && _options.StopHostWhenDone))
            _lifetime?.StopApplication();
    }

    async Task<bool> FinishesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _finished.Task.WaitAsync(cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return _finished.Task.IsCompleted;
        }
    }

    async Task<bool> FinishesAsync(TimeSpan timeout)
    {
        try
        {
            await _finished.Task.WaitAsync(timeout, TimeProvider.System);
            return true;
        }
        catch (TimeoutException)
        {
            return _finished.Task.IsCompleted;
        }
    }

    /// <summary>
    /// The service's task tree: written by its loop thread, or a snapshot when that thread is blocked (it did not answer
    /// within <paramref name="answerTimeout"/>, or the blocked-loop detector sees it blocked) or absent (thread pool).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the loop answered.</exception>
    internal async Task<ServiceTaskTree> TaskTreeAsync(TimeSpan answerTimeout, CancellationToken cancellationToken)
    {
        var name = _service.Name;
        if (_finished.Task.IsCompleted)
            return new(name, TaskTreeSource.None, TaskTreeReader.Finished);
        if (_loop is { } loop)
        {
#pragma warning disable STR105 // A dump is asked for off the loop (an admin endpoint, a signal); the loop may be blocked.
            var (source, tree) = await TaskTreeReader.FromLoopAsync(
                loop, _finished.Task, answerTimeout, _detector?.IsBlocked ?? false, cancellationToken).ConfigureAwait(false);
#pragma warning restore STR105
            return new(name, source, tree);
        }
        if (_root is { } root)
            return new(name, TaskTreeSource.ThreadPool, TaskTreeReader.FromThreadPool(root));
        return new(name, TaskTreeSource.None, TaskTreeReader.NotStarted);
    }
}
