using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Structured;

/// <summary>
/// The host's stop for the requests in flight, in the two phases of Structured.Hosting: the server stops taking
/// requests and lets those in flight, nurseries included, drain until the host's ShutdownTimeout; then they are
/// cancelled (logged with their task trees, exit code 1) <see cref="StructuredRequestOptions.CancelBeforeShutdownTimeout"/>
/// before it runs out, so that they can still answer; after <see cref="StructuredRequestOptions.AbandonTimeout"/> what
/// still runs is abandoned (logged).
/// </summary>
/// <remarks>
/// The drain itself is the server's: Kestrel's StopAsync waits for the requests in flight, and a request does not end
/// before its nursery has. This service brackets it: <see cref="StoppingAsync"/> runs before any StopAsync and arms the
/// hard phase on the host's shutdown token (the one token the host gives every phase of its stop);
/// <see cref="StoppedAsync"/> runs after every StopAsync and waits for what a server that does not drain (TestServer)
/// or an abort left running.
/// </remarks>
internal sealed class RequestDrainService(
    RequestTracker tracker,
    IOptions<StructuredRequestOptions> options,
    IOptions<HostOptions> hostOptions,
    ILogger<RequestDrainService> logger,
    ServiceFailures failures) : IHostedLifecycleService, IDisposable
{
    readonly StructuredRequestOptions _options = options.Value;
    CancellationTokenRegistration _hardPhase;
    ITimer? _early;
    TimeSpan _lead;
    long _stopStart;
    int _stopping;
    int _cancelled;
    volatile bool _failed;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
            return Task.CompletedTask;
        _stopStart = _options.ShutdownClock.GetTimestamp();
        tracker.Stopping(cancellationToken);
        // The host's timeout started a moment ago, as its stop began: our slice before it is counted from now.
        var timeout = hostOptions.Value.ShutdownTimeout;
        if (timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan && timeout < TimeSpan.FromDays(1))
        {
            _lead = TimeSpan.FromTicks(Math.Min(_options.CancelBeforeShutdownTimeout.Ticks, timeout.Ticks / 2));
            if (_lead > TimeSpan.Zero)
                _early = _options.ShutdownClock.CreateTimer(static state => ((RequestDrainService)state!).ShutdownTimeoutRanOut(), this, timeout - _lead, Timeout.InfiniteTimeSpan);
        }
        _hardPhase = cancellationToken.UnsafeRegister(static state => ((RequestDrainService)state!).ShutdownTimeoutRanOut(), this);
        // Once both phases are armed (a test's fake clock may move as soon as it reads this line).
        AspNetCoreLog.Stopping(logger, tracker.Count);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _stopping) == 0)
            return;
        // The soft phase: what the server did not wait for drains until the shutdown timeout (then the hard phase runs).
        if (!await DrainsAsync(tracker.DrainedAsync().WaitAsync(cancellationToken)))
        {
            if (!await DrainsAsync(tracker.DrainedAsync().WaitAsync(_options.AbandonTimeout, TimeProvider.System, CancellationToken.None)))
            {
                AspNetCoreLog.Abandoned(logger, tracker.Count, _options.AbandonTimeout, tracker.DescribeInFlight());
                MarkFailed();
                return;
            }
        }
        await _hardPhase.DisposeAsync();
        _early?.Dispose();
        AspNetCoreLog.Stopped(logger);
    }

    public void Dispose()
    {
        _hardPhase.Dispose();
        _early?.Dispose();
    }

    /// <summary>The hard phase, once: by the timer a slice before the ShutdownTimeout, or by the host's token, whichever comes first.</summary>
    void ShutdownTimeoutRanOut()
    {
        if (Interlocked.Exchange(ref _cancelled, 1) != 0)
            return;
        // The trees are read before the cancel: they show where each request was when the time ran out. The log and
        // the exit code come before the cancel too: cancelled requests may unwind, and the host stop, at once.
        int count = tracker.Count;
        if (count > 0)
        {
            string tree = tracker.DescribeInFlight();
            var after = _options.ShutdownClock.GetElapsedTime(_stopStart);
            AspNetCoreLog.ShutdownTimeoutExpired(logger, $"{after.TotalSeconds:0.###} s", $"{_lead.TotalSeconds:0.###} s", count, tree);
            MarkFailed();
        }
        tracker.CancelAll();
    }

    static async Task<bool> DrainsAsync(Task drained)
    {
        try
        {
            await drained;
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            return false;
        }
    }

    void MarkFailed()
    {
        if (_failed)
            return;
        _failed = true;
        failures.Record();
        if (_options.SetExitCode && Environment.ExitCode == 0)
            Environment.ExitCode = 1;
    }
}
