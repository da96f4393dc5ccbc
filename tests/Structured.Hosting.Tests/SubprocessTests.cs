using System.ComponentModel;
using System.Diagnostics;

namespace HostingTests;

/// <summary>Subprocess.RunAsync: output captured, and cancellation kills the whole tree and reaps it.</summary>
public class SubprocessTests
{
    [Fact]
    public void Output_error_and_exit_code_are_captured()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "needs sh");
        var result = RealTime.OnLoop(() => Subprocess.RunAsync("sh", "-c", "echo out; echo err >&2; exit 3"));
        Assert.Equal(new SubprocessResult(3, "out\n", "err\n"), result);
    }

    [Fact]
    public void Standard_input_is_written_then_closed()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "needs cat");
        var result = RealTime.OnLoop(() => Subprocess.RunAsync(new ProcessStartInfo("cat"), "line one\nline two\n"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("line one\nline two\n", result.StandardOutput);
    }

    [Fact]
    public void Off_the_loop_it_works_the_same()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "needs sh");
        SubprocessResult? result = null;
        OffLoop(async () => result = await Subprocess.RunAsync("sh", "-c", "printf hi"));
        Assert.Equal("hi", result!.StandardOutput);
    }

    [Fact]
    public void A_program_that_does_not_exist_throws_Win32Exception()
    {
        Exception? error = null;
        RealTime.OnLoop(async () => error = await Catch(() => Subprocess.RunAsync("/nonexistent/structured-test-program")));
        Assert.IsType<Win32Exception>(error);
    }

    [Fact]
    public void Cancellation_kills_the_whole_process_tree_and_no_orphan_survives()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads /proc");
        var pidFile = Path.Combine(Path.GetTempPath(), $"structured-subprocess-{Guid.NewGuid():N}.pids");
        int[] pids = [];
        bool caught = false;
        TimeSpan took = default;
        try
        {
            RealTime.OnLoop(async () =>
            {
                var scope = new CancelScope();
                await Nursery.RunAsync(async nursery =>
                {
                    nursery.StartSoon(() => scope.RunAsync(() => Subprocess.RunAsync("sh", "-c",
                        $"echo $$ > {pidFile}.tmp; sleep 100 & echo $! >> {pidFile}.tmp; sleep 100 & echo $! >> {pidFile}.tmp; mv {pidFile}.tmp {pidFile}; wait")), "runner");
                    // Wait until the shell and both sleeps run, then cancel.
                    await CancelScope.FailAfter(RealTime.HangGuard, async () =>
                    {
                        while (!File.Exists(pidFile))
                            await Time.SleepAsync(TimeSpan.FromMilliseconds(10));
                    });
                    pids = [.. File.ReadAllLines(pidFile).Select(int.Parse)];
                    Assert.All(pids, pid => Assert.False(RealTime.IsGone(pid)));
                    var start = Stopwatch.GetTimestamp();
                    scope.Cancel("test: stop the build");
                    await Checkpoint.YieldAsync();
                    // The runner finishes only once the tree is dead and the shell reaped.
                    await CancelScope.FailAfter(RealTime.HangGuard, async () =>
                    {
                        while (nursery.Children.Count > 0)
                            await Time.SleepAsync(TimeSpan.FromMilliseconds(5));
                    });
                    took = RealTime.Since(start);
                });
                caught = scope.CancelledCaught;
            });
        }
        finally
        {
            File.Delete(pidFile);
        }
        Assert.True(caught);
        Assert.Equal(3, pids.Length);
        // Not a margin: the sleeps would take 100 s; the kill takes milliseconds, however loaded the machine.
        Assert.True(took < TimeSpan.FromSeconds(60), $"took {took}: the runner waited for the sleeps instead of killing them");
        // SIGKILLed: the shell is reaped by us; the sleeps are dead (gone, or zombies until init reaps them).
        Assert.All(pids, pid => Assert.True(RealTime.IsGone(pid), $"process {pid} survived"));
    }

    [Fact]
    public void A_timeout_kills_the_process_and_surfaces_as_TimeoutException()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "needs sleep");
        Exception? error = null;
        RealTime.OnLoop(async () => error = await Catch(() => CancelScope.FailAfter(TimeSpan.FromMilliseconds(100), () => Subprocess.RunAsync("sleep", "100"))));
        Assert.IsType<TimeoutException>(error);
    }
}
