using System.Text.RegularExpressions;

namespace HostingTests;

/// <summary>
/// The live task tree of a running host (issue 15): dumps taken from the test's thread (another thread than the loops'),
/// the blocked-loop case, the dump signal and the blocked-loop detector. The services run on real hosts; the loop
/// services on a VirtualClock that never moves by itself, so that deadlines read the same in every run. Every wait is
/// for an event (a service ready, a log entry), bounded by <see cref="Bound"/>; no assertion depends on timing.
/// </summary>
public partial class StructuredDiagnosticsTests
{
    static readonly TimeSpan Bound = RealTime.HangGuard;

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

    /// <summary>
    /// A service whose tasks are all blocked once <paramref name="ready"/> is set: one waits in a cancelled scope (with a
    /// reason) under a shield, one under a deadline an hour away.
    /// </summary>
    static Action<IServiceCollection> Waiters(string name, TaskCompletionSource ready, Event release, bool threadPool = false)
        => s => s.AddStructuredService(name, async (nursery, stopping) =>
        {
            nursery.StartSoon(async () =>
            {
                var scope = new CancelScope();
                scope.Cancel("maintenance window");
                await scope.RunAsync(() => new CancelScope(shield: true).RunAsync(() => release.WaitAsync().AsTask()));
            }, "shielded waiter");
            nursery.StartSoon(async () =>
            {
                var timeout = CancelScope.MoveOnAfter(TimeSpan.FromHours(1)); // far: it never passes during the test
                await timeout.RunAsync(() => release.WaitAsync().AsTask());
            }, "deadline waiter");
            // FIFO: both children run their first step, and block, before the body goes on.
            await Checkpoint.YieldAsync();
            ready.TrySetResult();
            await release.WaitAsync();
        }, o =>
        {
            o.SetExitCode = false;
            o.RunOnThreadPool = threadPool;
            if (!threadPool)
                o.LoopOptions = new LoopOptions { Clock = new VirtualClock() };
        });

    [Fact]
    public async Task A_dump_from_another_thread_shows_every_service_with_scopes_deadlines_reasons_and_waits()
    {
        var release = new Event();
        TaskCompletionSource loopReady = new(), poolReady = new();
        var (host, _) = Build(s =>
        {
            Waiters("on a loop", loopReady, release)(s);
            Waiters("on the pool", poolReady, release, threadPool: true)(s);
            // The loop runs, so it answers: however loaded the machine, its tree is never read as a blocked loop's.
            s.Configure<StructuredDiagnosticsOptions>(o => o.LoopAnswerTimeout = RealTime.HangGuard);
        });
        await host.StartAsync();
        await Task.WhenAll(loopReady.Task, poolReady.Task).WaitAsync(Bound);
        var diagnostics = host.Services.GetRequiredService<StructuredDiagnostics>();

        var trees = await diagnostics.GetTaskTreesAsync().WaitAsync(Bound);
        var text = await diagnostics.DumpTaskTreesAsync().WaitAsync(Bound);

        Assert.Equal(["on a loop", "on the pool"], diagnostics.Services);
        Assert.Equal(["on a loop", "on the pool"], trees.Select(t => t.Service));
        var loop = trees[0];
        Assert.Equal(TaskTreeSource.Loop, loop.Source);
        Assert.Contains("task 'shielded waiter'", loop.Tree, StringComparison.Ordinal);
        Assert.Contains("cancel scope, cancelled (maintenance window)", loop.Tree, StringComparison.Ordinal);
        Assert.Contains("cancel scope, shielded", loop.Tree, StringComparison.Ordinal);
        Assert.Contains("waiting on Event.WaitAsync", loop.Tree, StringComparison.Ordinal);
        Assert.Contains("cancel scope, deadline 1 h after entry (in ", loop.Tree, StringComparison.Ordinal); // a real clock: the rest is not exact
        Assert.Equal(TaskTreeSource.ThreadPool, trees[1].Source);
        Assert.Contains("thread pool: snapshot", trees[1].Tree, StringComparison.Ordinal);
        Assert.Contains("task 'deadline waiter'", trees[1].Tree, StringComparison.Ordinal);
        Assert.StartsWith("service 'on a loop':\n", text, StringComparison.Ordinal);
        Assert.Contains("service 'on the pool':\n", text, StringComparison.Ordinal);

        release.Set();
        await host.StopAsync().WaitAsync(Bound);
        var after = Assert.Single(await diagnostics.GetTaskTreesAsync(), t => t.Service == "on a loop");
        Assert.Equal(TaskTreeSource.None, after.Source);
        Assert.Contains("every task has finished", after.Tree, StringComparison.Ordinal);
        host.Dispose();
    }

    /// <summary>A task that blocks the loop thread on a gate the test opens: the loop is blocked until then, by construction.</summary>
    static Action<IServiceCollection> Blocker(TaskCompletionSource blocking, ManualResetEventSlim gate, Action<StructuredServiceOptions>? configure = null)
        => s => s.AddStructuredService("blocked", async (nursery, stopping) =>
        {
            nursery.StartSoon(async () =>
            {
                await Checkpoint.YieldAsync();
                blocking.TrySetResult();
                gate.Wait(); // synchronous: nothing else on this loop runs until the test opens the gate
            }, "blocker");
            await Time.SleepForeverAsync();
        }, o => { o.SetExitCode = false; configure?.Invoke(o); });

    [Fact]
    public async Task A_blocked_loop_is_dumped_from_another_thread_and_says_so()
    {
        var blocking = new TaskCompletionSource();
        using var gate = new ManualResetEventSlim();
        var (host, _) = Build(s =>
        {
            Blocker(blocking, gate)(s);
            s.AddStructuredDiagnostics(o => o.LoopAnswerTimeout = TimeSpan.FromMilliseconds(20));
        });
        await host.StartAsync();
        await blocking.Task.WaitAsync(Bound);
        var diagnostics = host.Services.GetRequiredService<StructuredDiagnostics>();

        var tree = Assert.Single(await diagnostics.GetTaskTreesAsync().WaitAsync(Bound));

        Assert.Equal(TaskTreeSource.BlockedLoop, tree.Source);
        Assert.Contains("did not answer within 0.02 s: synchronous code is blocking it", tree.Tree, StringComparison.Ordinal);
        Assert.Matches(new Regex("task 'blocker' #\\d+ Running"), tree.Tree);
        gate.Set();
        await host.StopAsync().WaitAsync(Bound);
        host.Dispose();
    }

    [Fact]
    public async Task A_dump_cancelled_while_waiting_for_a_blocked_loop_throws()
    {
        var blocking = new TaskCompletionSource();
        using var gate = new ManualResetEventSlim();
        var (host, _) = Build(Blocker(blocking, gate));
        await host.StartAsync();
        await blocking.Task.WaitAsync(Bound);
        var diagnostics = host.Services.GetRequiredService<StructuredDiagnostics>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => diagnostics.DumpTaskTreesAsync(new CancellationToken(canceled: true)));

        gate.Set();
        await host.StopAsync().WaitAsync(Bound);
        host.Dispose();
    }

    [Fact]
    public async Task The_blocked_loop_detector_logs_the_tree_with_the_blocking_task_then_the_end_of_the_block()
    {
        var blocking = new TaskCompletionSource();
        using var gate = new ManualResetEventSlim();
        var (host, log) = Build(Blocker(blocking, gate, o => o.BlockedLoopThreshold = TimeSpan.FromMilliseconds(20)));
        await host.StartAsync();
        await blocking.Task.WaitAsync(Bound);

        // A loaded machine may see a slow step before the block: wait for the report that names the blocker.
        var blocked = await log.WaitForAsync(e => e.EventId == 10 && e.Message.Contains("'blocker'", StringComparison.Ordinal)
            && e.Message.Contains("Running", StringComparison.Ordinal)).WaitAsync(Bound);
        var diagnostics = host.Services.GetRequiredService<StructuredDiagnostics>();
        var tree = Assert.Single(await diagnostics.GetTaskTreesAsync().WaitAsync(Bound));
        gate.Set();
        var unblocked = await log.WaitForAsync(e => e.EventId == 11).WaitAsync(Bound);

        Assert.Equal(LogLevel.Warning, blocked.Level);
        Assert.Equal("Structured.Services.blocked", blocked.Category);
        Assert.Contains("has not run a posted callback for 0.02 s", blocked.Message, StringComparison.Ordinal);
        Assert.Contains("snapshot read from another thread", blocked.Message, StringComparison.Ordinal);
        Assert.Equal(TaskTreeSource.BlockedLoop, tree.Source); // known blocked: the dump did not wait for the loop
        Assert.Equal(LogLevel.Information, unblocked.Level);
        Assert.Contains("runs again, after being blocked for", unblocked.Message, StringComparison.Ordinal);
        await host.StopAsync().WaitAsync(Bound);
        host.Dispose();
    }

    [Fact]
    public async Task The_dump_signal_logs_every_tree_and_keeps_the_process_alive()
    {
        var release = new Event();
        var ready = new TaskCompletionSource();
        var (host, log) = Build(s =>
        {
            Waiters("worker", ready, release)(s);
            s.AddStructuredDiagnostics(o => o.DumpSignal = null); // no real handler: the test calls it
        });
        await host.StartAsync();
        await ready.Task.WaitAsync(Bound);
        var handler = host.Services.GetServices<IHostedService>().OfType<TaskTreeDumpSignal>().Single();
        var context = new PosixSignalContext((PosixSignal)10);

        await handler.Handle(context).WaitAsync(Bound);

        Assert.True(context.Cancel); // SIGUSR1's default action would end the process
        var dump = Assert.Single(log.WithEvent(12));
        Assert.Equal("Structured.Diagnostics", dump.Category);
        Assert.Equal(LogLevel.Warning, dump.Level);
        Assert.Contains(OperatingSystem.IsLinux() ? "(SIGUSR1 received)" : "received)", dump.Message, StringComparison.Ordinal);
        Assert.Contains("service 'worker':", dump.Message, StringComparison.Ordinal);
        Assert.Contains("task 'deadline waiter'", dump.Message, StringComparison.Ordinal);
        release.Set();
        await host.StopAsync().WaitAsync(Bound);
        host.Dispose();
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Kill_USR1_dumps_the_trees_of_a_running_host()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "sends SIGUSR1 with kill(2)");
        var release = new Event();
        var ready = new TaskCompletionSource();
        var (host, log) = Build(s =>
        {
            Waiters("worker", ready, release)(s);
            s.AddStructuredDiagnostics();
            s.AddStructuredDiagnostics(); // twice: still one handler, one dump
        });
        await host.StartAsync(); // registers the handler before the signal is sent: the default action never applies
        await ready.Task.WaitAsync(Bound);

        RealTime.Kill(Environment.ProcessId, RealTime.SIGUSR1);
        var dump = await log.WaitForAsync(e => e.EventId == 12).WaitAsync(Bound);

        Assert.Contains("(SIGUSR1 received)", dump.Message, StringComparison.Ordinal);
        Assert.Contains("waiting on Event.WaitAsync", dump.Message, StringComparison.Ordinal);
        Assert.Single(host.Services.GetServices<IHostedService>().OfType<TaskTreeDumpSignal>());
        release.Set();
        await host.StopAsync().WaitAsync(Bound);
        host.Dispose();
    }

    [Fact]
    public async Task A_host_without_services_or_before_start_says_so()
    {
        var (empty, _) = Build(s => s.AddStructuredDiagnostics(o => o.DumpSignal = null));
        Assert.Equal("(no structured service in this host)\n", await empty.Services.GetRequiredService<StructuredDiagnostics>().DumpTaskTreesAsync());
        empty.Dispose();

        var (host, _) = Build(s => s.AddStructuredService("idle", _ => Task.CompletedTask));
        _ = host.Services.GetServices<IHostedService>().ToList(); // the runners exist once the host has created them
        var tree = Assert.Single(await host.Services.GetRequiredService<StructuredDiagnostics>().GetTaskTreesAsync());
        Assert.Equal(TaskTreeSource.None, tree.Source);
        Assert.Contains("has not started a task yet", tree.Tree, StringComparison.Ordinal);
        host.Dispose();
    }

    [Fact]
    public void Bad_options_throw_at_the_setter_and_a_null_collection_at_the_call()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StructuredDiagnosticsOptions { LoopAnswerTimeout = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StructuredServiceOptions { BlockedLoopThreshold = TimeSpan.FromSeconds(-1) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StructuredServiceOptions { BlockedLoopThreshold = TimeSpan.Zero });
        Assert.Null(new StructuredServiceOptions { BlockedLoopThreshold = null }.BlockedLoopThreshold);
        Assert.Throws<ArgumentNullException>(() => StructuredServiceCollectionExtensions.AddStructuredDiagnostics(null!));
        if (OperatingSystem.IsLinux())
            Assert.Equal((PosixSignal)10, new StructuredDiagnosticsOptions().DumpSignal);
    }

    [Fact]
    public async Task A_signal_the_platform_cannot_handle_fails_the_host_start_with_the_fix()
    {
        var (host, _) = Build(s => s.AddStructuredDiagnostics(o => o.DumpSignal = (PosixSignal)100_000));
        var error = await Record.ExceptionAsync(() => host.StartAsync());
        Assert.NotNull(error);
        host.Dispose();
        Assert.Contains("DumpSignal", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>The task tree writes how far each deadline is from now (a virtual clock: exact figures).</summary>
public class TaskTreeDeadlineTests
{
    [Fact]
    public void A_dump_says_how_far_each_deadline_is_before_and_after_it_passed()
    {
        string? tree = null;
        LoopHarness.Run(() => Nursery.RunAsync(async nursery =>
        {
            nursery.StartSoon(() => CancelScope.MoveOnAfter(TimeSpan.FromSeconds(1)).RunAsync(
                () => new CancelScope(shield: true).RunAsync(
                    () => CancelScope.MoveOnAfter(TimeSpan.FromHours(26)).RunAsync(
                        () => Time.SleepAsync(TimeSpan.FromSeconds(10)).AsTask()))), "sleeper");
            await Time.SleepAsync(TimeSpan.FromSeconds(3.5)); // the sleeper's 1 s deadline passed; its shield holds
            tree = Loop.Current!.DumpTaskTree();
        }));

        Assert.Contains("cancel scope, deadline 1 s after entry (passed 2.5 s ago), cancelled (deadline 1 s after entry passed)", tree, StringComparison.Ordinal);
        Assert.Contains("cancel scope, deadline 1 d 2 h after entry (in 1 d 1 h)", tree, StringComparison.Ordinal);
    }
}
