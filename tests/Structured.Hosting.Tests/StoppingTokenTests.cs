using Microsoft.Extensions.Configuration;

namespace HostingTests;

/// <summary>
/// What a BackgroundService user writes: the host's stopping token passed to .NET APIs everywhere. A cancellation it
/// raises once the host stops is a clean stop; options bind from configuration; each service logs under its own category.
/// </summary>
public class StoppingTokenTests
{
    static readonly TimeSpan Bound = RealTime.HangGuard;

    static (IHost Host, CapturedLog Log) Build(Action<HostApplicationBuilder> configure)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var log = new CapturedLog();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        configure(builder);
        return (builder.Build(), log);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tasks_that_pass_the_stopping_token_to_dotnet_APIs_stop_cleanly_and_the_others_drain(bool threadPool)
    {
        int watchersStarted = 0, watchersEnded = 0;
        bool drained = false;
        var working = new TaskCompletionSource();
        var (host, log) = Build(b => b.Services.AddStructuredService("poller", async (nursery, stopping) =>
        {
            for (int i = 0; i < 3; i++)
            {
                nursery.StartSoon(async () =>
                {
                    Interlocked.Increment(ref watchersStarted);
                    try
                    {
                        while (true)
                            await Task.Delay(TimeSpan.FromMinutes(1), TimeProvider.System, stopping); // as in a BackgroundService
                    }
                    finally
                    {
                        Interlocked.Increment(ref watchersEnded);
                    }
                }, $"poll {i}");
            }
            nursery.StartSoon(async () =>
            {
                // Work in flight that does not look at the token: the stop waits for it, it is not cut short.
                await Time.SleepAsync(TimeSpan.FromMilliseconds(200));
                drained = true;
            }, "in flight");
            nursery.StartSoon(async () =>
            {
                // A nested nursery whose task also stops on the token.
                await Nursery.RunAsync(async inner =>
                {
                    inner.StartSoon(() => Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stopping), "nested poll");
                    await Checkpoint.YieldAsync();
                });
            }, "nested");
            while (Volatile.Read(ref watchersStarted) < 3)
                await Checkpoint.YieldAsync();
            working.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stopping); // the body too
        }, o => { o.RunOnThreadPool = threadPool; o.SetExitCode = false; }));

        var run = host.RunStructuredAsync();
        await working.Task.WaitAsync(Bound);
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication(); // Ctrl+C
        int exitCode = await run.WaitAsync(Bound);

        Assert.Equal(0, exitCode);
        Assert.True(drained, "the task that did not watch the token was cut short");
        Assert.Equal(3, Volatile.Read(ref watchersEnded));
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Single(log.WithEvent(3)); // "stopped: every task of it has finished"
    }

    [Fact]
    public async Task The_token_still_stops_the_tasks_when_the_body_has_returned_long_before_the_stop()
    {
        var working = new TaskCompletionSource();
        var (host, log) = Build(b => b.Services.AddStructuredService("returns-early", async (services, nursery, stopping) =>
        {
            for (int i = 0; i < 3; i++)
                nursery.StartSoon(() => Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stopping), $"poll {i}");
            await Checkpoint.YieldAsync();
            working.TrySetResult(); // the body returns; its tasks keep the token
        }, o => o.SetExitCode = false));

        var run = host.RunStructuredAsync();
        await working.Task.WaitAsync(Bound);
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        Assert.Equal(0, await run.WaitAsync(Bound));
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_cancellation_by_another_token_is_still_an_error()
    {
        // A token that was not cancelled by the stop: another source's cancellation is an error, as before.
        using var other = new CancellationTokenSource();
        var (host, log) = Build(b => b.Services.AddStructuredService("confused", async (nursery, stopping) =>
        {
            nursery.StartSoon(async () =>
            {
                await other.CancelAsync();
                await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, other.Token);
            }, "foreign");
            await Time.SleepForeverAsync();
        }, o => o.SetExitCode = false));
        Assert.Equal(1, await host.RunStructuredAsync().WaitAsync(Bound));
        Assert.IsType<TaskCanceledException>(Assert.Single(log.WithEvent(7)).Error);
    }

    [Fact]
    public async Task Options_bind_from_the_Structured_configuration_section_and_the_registration_overrides_them()
    {
        bool onLoop = true;
        var (host, _) = Build(b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Structured:RunOnThreadPool"] = "true",
                ["Structured:StopHostWhenDone"] = "true",
                ["Structured:AbandonTimeout"] = "00:00:07",
                ["Structured:SetExitCode"] = "false",
            });
            b.Services.Configure<StructuredServiceOptions>(b.Configuration.GetSection(StructuredServiceOptions.SectionName));
            b.Services.AddStructuredService("configured", async nursery =>
            {
                onLoop = Loop.Current is not null;
                await Checkpoint.YieldAsync();
            });
            b.Services.AddStructuredService("overridden", async nursery => await Checkpoint.YieldAsync(),
                o => o.StopHostWhenDone = false);
        });
        var bound = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StructuredServiceOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(7), bound.AbandonTimeout);
        Assert.Equal(0, await host.RunStructuredAsync().WaitAsync(Bound)); // "configured" stops the host: StopHostWhenDone bound
        Assert.False(onLoop); // RunOnThreadPool bound
        Assert.True(bound.StopHostWhenDone, "a registration's configure changes its own copy, not the shared options");
    }

    [Fact]
    public async Task Each_service_logs_under_a_category_of_its_own()
    {
        var (host, log) = Build(b =>
        {
            b.Services.AddStructuredService<QuietService>(o => o.StopHostWhenDone = true);
            b.Services.AddStructuredService("ticker", async nursery => await Checkpoint.YieldAsync());
        });
        Assert.Equal(0, await host.RunStructuredAsync().WaitAsync(Bound));
        var started = log.WithEvent(1).Select(e => e.Category).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["HostingTests.StoppingTokenTests+QuietService", "Structured.Services.ticker"], started);
    }

    internal sealed class QuietService : StructuredService
    {
        protected override Task RunAsync(Nursery nursery, CancellationToken stopping) => Checkpoint.YieldAsync().AsTask();
    }
}
