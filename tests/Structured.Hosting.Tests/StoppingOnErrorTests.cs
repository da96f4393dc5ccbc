using System.Threading.Channels;

namespace HostingTests;

/// <summary>
/// The stopping token follows the whole service, not only the host: an error in the service's nursery cancels it, so a
/// body that waits for work with a .NET API and the token (<c>reader.ReadAsync(stopping)</c>, as a BackgroundService
/// does) stops taking work, the error is logged and the host stops with exit code 1 (issue 26, item 1).
/// </summary>
public class StoppingOnErrorTests
{
    // A hang guard, not a margin: each run below ends as soon as the service does; it only turns a hang into a failure.
    static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    static (IHost Host, CapturedLog Log) Build(Action<IServiceCollection> services)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var log = new CapturedLog();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        services(builder.Services);
        return (builder.Build(), log);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_failing_job_cancels_the_stopping_token_so_a_body_waiting_in_ReadAsync_stops_taking_work(bool threadPool)
    {
        var queue = Channel.CreateUnbounded<string>();
        await queue.Writer.WriteAsync("boom");
        int started = 0, watchersEnded = 0;
        bool bodyStopped = false;
        var (host, log) = Build(s => s.AddStructuredService("worker", async (nursery, stopping) =>
        {
            // A sibling that waits on the token with a .NET API: it ends with the error, quietly.
            nursery.StartSoon(async () =>
            {
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stopping);
                }
                finally
                {
                    Interlocked.Increment(ref watchersEnded);
                }
            }, "watcher");
            try
            {
                while (true)
                {
                    var job = await queue.Reader.ReadAsync(stopping); // not a checkpoint: only the token can end it
                    Interlocked.Increment(ref started);
                    nursery.StartSoon(async () =>
                    {
                        await Checkpoint.YieldAsync();
                        throw new InvalidOperationException($"job '{job}' failed");
                    }, job);
                }
            }
            catch (OperationCanceledException e) when (e.CancellationToken == stopping)
            {
                bodyStopped = true;
                throw;
            }
        }, o => { o.RunOnThreadPool = threadPool; o.SetExitCode = false; }));

        int exitCode = await host.RunStructuredAsync().WaitAsync(HangGuard);

        Assert.Equal(1, exitCode);
        Assert.True(bodyStopped, "the body's ReadAsync(stopping) was not cancelled by the error");
        Assert.Equal(1, started);
        Assert.Equal(1, Volatile.Read(ref watchersEnded));
        var error = Assert.Single(log.WithEvent(7)); // the job's error, alone: the cancellations by `stopping` are no errors
        Assert.IsType<InvalidOperationException>(error.Error);
        Assert.Contains("1 error(s)", Assert.Single(log.WithEvent(8)).Message);
    }

    [Fact]
    public async Task The_token_is_cancelled_by_an_error_after_the_body_has_returned()
    {
        var tokenCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (host, log) = Build(s => s.AddStructuredService("returns-early", async (nursery, stopping) =>
        {
            nursery.StartSoon(() => Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stopping), "poll");
            nursery.StartSoon(async () =>
            {
                await Checkpoint.YieldAsync();
                await Checkpoint.YieldAsync();
                throw new InvalidOperationException("late failure");
            }, "doomed");
            stopping.Register(() => tokenCancelled.TrySetResult());
            await Checkpoint.YieldAsync(); // the body returns before the failure
        }, o => o.SetExitCode = false));

        int exitCode = await host.RunStructuredAsync().WaitAsync(HangGuard);

        Assert.Equal(1, exitCode);
        Assert.True(tokenCancelled.Task.IsCompleted);
        Assert.IsType<InvalidOperationException>(Assert.Single(log.WithEvent(7)).Error);
    }

    [Fact]
    public async Task Cancelling_the_root_nursery_by_hand_cancels_the_token_and_is_a_clean_end()
    {
        var (host, log) = Build(s => s.AddStructuredService("cancels-itself", async (nursery, stopping) =>
        {
            nursery.StartSoon(() => Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stopping), "poll");
            await Checkpoint.YieldAsync();
            nursery.CancelScope.Cancel("done with the work");
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stopping);
        }, o => { o.SetExitCode = false; o.StopHostWhenDone = true; }));

        Assert.Equal(0, await host.RunStructuredAsync().WaitAsync(HangGuard));
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
    }
}
