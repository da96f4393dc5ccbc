using System.Diagnostics;

namespace HostingTests;

/// <summary>
/// Structured services on a real host: two-phase stop, errors, the shutdown timeout, abandoned work. Real time, but
/// short: shutdown timeouts of a few hundred milliseconds.
/// </summary>
public class StructuredServiceTests
{
    static readonly TimeSpan Bound = RealTime.HangGuard;

    static (IHost Host, CapturedLog Log) Build(Action<IServiceCollection> services, TimeSpan? shutdownTimeout = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var log = new CapturedLog();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(10));
        services(builder.Services);
        return (builder.Build(), log);
    }

    static void NoExitCode(StructuredServiceOptions options) => options.SetExitCode = false;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stopping_cancels_the_body_lets_the_work_in_flight_finish_and_leaves_nothing_running(bool threadPool)
    {
        int running = 0, finished = 0, cancelled = 0;
        bool bodyCancelled = false;
        Loop? loop = null;
        Thread? thread = null;
        var working = new TaskCompletionSource();
        var (host, log) = Build(s => s.AddStructuredService("worker", async (nursery, stopping) =>
        {
            loop = Loop.Current;
            thread = Thread.CurrentThread;
            try
            {
                for (int i = 0; i < 3; i++)
                {
                    nursery.StartSoon(async () =>
                    {
                        Interlocked.Increment(ref running);
                        try
                        {
                            await Time.SleepAsync(TimeSpan.FromMilliseconds(300));
                            Interlocked.Increment(ref finished);
                        }
                        catch (Cancelled)
                        {
                            Interlocked.Increment(ref cancelled);
                            throw;
                        }
                        finally
                        {
                            Interlocked.Decrement(ref running);
                        }
                    }, $"job {i}");
                }
                await Checkpoint.YieldAsync();
                working.TrySetResult();
                await Time.SleepForeverAsync(); // the "accept loop": no new work once the host stops
            }
            catch (Cancelled)
            {
                bodyCancelled = true;
                throw;
            }
        }, o => { o.RunOnThreadPool = threadPool; o.SetExitCode = false; }));

        await host.StartAsync();
        await working.Task.WaitAsync(Bound);
        await host.StopAsync().WaitAsync(Bound);

        Assert.True(bodyCancelled);
        Assert.Equal(3, Volatile.Read(ref finished));
        Assert.Equal(0, Volatile.Read(ref cancelled));
        Assert.Equal(0, Volatile.Read(ref running));
        Assert.Equal(threadPool, loop is null);
        if (!threadPool)
            Assert.True(thread!.Join(Bound), "the loop thread ended with StopAsync");
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Single(log.WithEvent(3)); // "stopped: every task of it has finished"
        host.Dispose();
    }

    [Fact]
    public async Task A_host_stopped_right_after_start_still_runs_the_body_which_is_then_cancelled()
    {
        bool ran = false, cancelled = false;
        var (host, log) = Build(s => s.AddStructuredService("eager", async (nursery, stopping) =>
        {
            ran = true;
            try
            {
                await Time.SleepForeverAsync();
            }
            catch (Cancelled)
            {
                cancelled = true;
                throw;
            }
        }, NoExitCode));
        await host.StartAsync();
        await host.StopAsync().WaitAsync(Bound);
        Assert.True(ran);
        Assert.True(cancelled);
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
        host.Dispose();
    }

    [Fact]
    public async Task The_stopping_token_given_to_a_dotnet_API_ends_the_body_quietly()
    {
        var (host, log) = Build(s => s.AddStructuredService("waiter", async (nursery, stopping) =>
        {
            var timer = TimeProvider.System;
            await Task.Delay(Timeout.InfiniteTimeSpan, timer, stopping);
        }, NoExitCode));
        await host.StartAsync();
        await host.StopAsync().WaitAsync(Bound);
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
        host.Dispose();
    }

    [Fact]
    public async Task A_failing_child_stops_the_host_logs_every_error_and_makes_the_exit_code_1()
    {
        var (host, log) = Build(s => s.AddStructuredService("failing", async (nursery, stopping) =>
        {
            nursery.StartSoon(async () =>
            {
                await Time.SleepAsync(TimeSpan.FromMilliseconds(50));
                throw new InvalidOperationException("the database is on fire");
            }, "doomed");
            nursery.StartSoon(async () =>
            {
                try
                {
                    await Time.SleepForeverAsync();
                }
                catch (Cancelled)
                {
                    throw new IOException("clean-up failed too");
                }
            }, "sibling");
            await Time.SleepForeverAsync();
        }, NoExitCode));

        int exitCode = await host.RunStructuredAsync().WaitAsync(Bound);

        Assert.Equal(1, exitCode);
        var errors = log.WithEvent(7).ToList();
        Assert.Equal(2, errors.Count);
        Assert.IsType<InvalidOperationException>(errors[0].Error);
        Assert.IsType<IOException>(errors[1].Error);
        Assert.EndsWith("error 1 of 2, in task 'doomed'.", errors[0].Message, StringComparison.Ordinal);
        Assert.EndsWith("error 2 of 2, in task 'sibling'.", errors[1].Message, StringComparison.Ordinal);
        Assert.All(errors, e => Assert.Equal(LogLevel.Error, e.Level));
        var summary = Assert.Single(log.WithEvent(8));
        Assert.Equal(LogLevel.Critical, summary.Level);
        Assert.Contains("2 error(s)", summary.Message);
    }

    [Fact]
    public async Task A_failure_sets_the_process_exit_code_so_that_a_plain_Run_exits_non_zero()
    {
        var (host, _) = Build(s => s.AddStructuredService("failing", async nursery =>
        {
            await Checkpoint.YieldAsync();
            throw new InvalidOperationException("boom");
        }));
        try
        {
            await host.RunAsync().WaitAsync(Bound);
            Assert.Equal(1, Environment.ExitCode);
        }
        finally
        {
            Environment.ExitCode = 0; // this test process must still exit 0
        }
    }

    [Fact]
    public async Task An_OperationCanceledException_that_no_scope_caused_is_an_error()
    {
        var (host, log) = Build(s => s.AddStructuredService("confused", async nursery =>
        {
            await Checkpoint.YieldAsync();
            throw new OperationCanceledException("someone else's token");
        }, NoExitCode));
        Assert.Equal(1, await host.RunStructuredAsync().WaitAsync(Bound));
        Assert.IsType<OperationCanceledException>(Assert.Single(log.WithEvent(7)).Error);
    }

    [Fact]
    public async Task When_the_shutdown_timeout_runs_out_the_rest_is_cancelled_and_the_task_tree_is_logged()
    {
        string? reason = null;
        var working = new TaskCompletionSource();
        var (host, log) = Build(s => s.AddStructuredService("stubborn", async (nursery, stopping) =>
        {
            nursery.StartSoon(async () =>
            {
                try
                {
                    await Time.SleepForeverAsync(); // ignores the soft phase: it does not look at `stopping`
                }
                catch (Cancelled c)
                {
                    reason = c.Reason;
                    throw;
                }
            }, "stubborn job");
            working.TrySetResult();
            await Time.SleepForeverAsync();
        }, NoExitCode), shutdownTimeout: TimeSpan.FromMilliseconds(300));

        await host.StartAsync();
        await working.Task.WaitAsync(Bound);
        var start = Stopwatch.GetTimestamp();
        await host.StopAsync().WaitAsync(Bound);
        var took = RealTime.Since(start);

        Assert.True(took >= TimeSpan.FromMilliseconds(250), $"took {took}: the hard phase came before the 300 ms ShutdownTimeout"); // a timer never fires early; the job sleeps forever, so no upper bound but the hang guard
        Assert.Contains("ShutdownTimeout", reason);
        var cutShort = Assert.Single(log.WithEvent(5));
        Assert.Equal(LogLevel.Error, cutShort.Level);
        Assert.Contains("'stubborn job'", cutShort.Message);
        Assert.Contains("waiting on Time.SleepForeverAsync", cutShort.Message);
        Assert.Contains("exit code 1", cutShort.Message);
        Assert.Empty(log.WithEvent(6)); // cancelled in time: nothing abandoned
        Assert.Equal(1, host.Services.GetRequiredService<ServiceFailures>().Count); // the work in flight was cut short: a failure
        host.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Code_that_ignores_cancellation_is_abandoned_with_the_tree_of_where_it_is_stuck(bool threadPool)
    {
        var working = new TaskCompletionSource();
        var (host, log) = Build(s => s.AddStructuredService("deaf", async (nursery, stopping) =>
        {
            nursery.StartSoon(async () =>
            {
                // A shield keeps every outer cancellation out, the hard one included.
                // Longer than the hang guard: had StopAsync waited for it, the test would fail, so no duration is asserted.
                await new CancelScope(shield: true).RunAsync(() => Time.SleepAsync(TimeSpan.FromHours(1)).AsTask());
            }, "deaf job");
            working.TrySetResult();
            await Time.SleepForeverAsync();
        }, o => { o.RunOnThreadPool = threadPool; o.AbandonTimeout = TimeSpan.FromMilliseconds(300); o.SetExitCode = false; }),
            shutdownTimeout: TimeSpan.FromMilliseconds(200));

        await host.StartAsync();
        await working.Task.WaitAsync(Bound);
        await host.StopAsync().WaitAsync(Bound); // returned: the deaf job (an hour) was abandoned, not waited for

        var abandoned = Assert.Single(log.WithEvent(6));
        Assert.Equal(LogLevel.Error, abandoned.Level);
        Assert.Contains("'deaf job'", abandoned.Message);
        Assert.Contains("shielded", abandoned.Message);
        if (!threadPool)
            Assert.Contains("waiting on Time.SleepAsync", abandoned.Message); // off the loop the core does not track what a task waits on
        Assert.Equal(1, host.Services.GetRequiredService<ServiceFailures>().Count);
        host.Dispose();
    }

    [Fact]
    public async Task A_loop_blocked_by_synchronous_code_is_reported_with_the_task_that_blocks_it()
    {
        var working = new TaskCompletionSource();
        var (host, log) = Build(s => s.AddStructuredService("blocking", async (nursery, stopping) =>
        {
            nursery.StartSoon(async () =>
            {
                while (!stopping.IsCancellationRequested)
                    await Time.SleepAsync(TimeSpan.FromMilliseconds(10));
                Thread.Sleep(3000); // blocks the loop thread: nothing on the loop can run, not even cancellation
            }, "blocking job");
            working.TrySetResult();
            await Time.SleepForeverAsync();
        }, o => { o.AbandonTimeout = TimeSpan.FromMilliseconds(200); o.SetExitCode = false; }),
            shutdownTimeout: TimeSpan.FromMilliseconds(100));

        await host.StartAsync();
        await working.Task.WaitAsync(Bound);
        await host.StopAsync().WaitAsync(Bound);

        var abandoned = Assert.Single(log.WithEvent(6));
        Assert.Contains("synchronous code is blocking it", abandoned.Message);
        Assert.Contains("'blocking job'", abandoned.Message);
        Assert.Contains("Running", abandoned.Message);
        host.Dispose();
    }

    [Fact]
    public async Task A_service_that_finishes_with_StopHostWhenDone_stops_the_host_with_exit_code_0()
    {
        bool done = false;
        var (host, log) = Build(s => s.AddStructuredService("one-shot", async nursery =>
        {
            nursery.StartSoon(async () => { await Time.SleepAsync(TimeSpan.FromMilliseconds(20)); done = true; });
            await Checkpoint.YieldAsync();
        }, o => o.StopHostWhenDone = true));
        Assert.Equal(0, await host.RunStructuredAsync().WaitAsync(Bound));
        Assert.True(done);
        Assert.Single(log.WithEvent(4)); // "finished by itself"
    }

    [Fact]
    public async Task A_class_service_gets_its_dependencies_from_the_container_and_runs_on_a_loop_thread_of_its_own()
    {
        var (host, _) = Build(s =>
        {
            s.AddSingleton(new Greeting("hello"));
            s.AddStructuredService<GreeterService>(o => o.StopHostWhenDone = true);
        });
        var service = host.Services.GetRequiredService<GreeterService>();
        Assert.Equal(0, await host.RunStructuredAsync().WaitAsync(Bound));
        Assert.Equal("hello", service.Said);
        Assert.Equal("structured service 'greeter'", service.ThreadName);
        Assert.True(service.OnLoop);
    }

    [Fact]
    public void Registration_checks_its_arguments()
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentNullException>(() => services.AddStructuredService("x", (Func<Nursery, Task>)null!));
        Assert.Throws<ArgumentException>(() => services.AddStructuredService("", _ => Task.CompletedTask));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StructuredServiceOptions { AbandonTimeout = TimeSpan.FromSeconds(-1) });
    }

    internal sealed record Greeting(string Text);

    internal sealed class GreeterService(Greeting greeting) : StructuredService
    {
        public string? Said { get; private set; }

        public string? ThreadName { get; private set; }

        public bool OnLoop { get; private set; }

        public override string Name => "greeter";

        protected override async Task RunAsync(Nursery nursery, CancellationToken stopping)
        {
            ThreadName = Thread.CurrentThread.Name;
            OnLoop = Loop.Current is not null;
            await Checkpoint.YieldAsync();
            Said = greeting.Text;
        }
    }
}
