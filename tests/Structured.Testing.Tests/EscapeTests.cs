namespace TestingTests;

/// <summary>
/// Awaiting work outside the loop (Task.Delay, Task.Run, ConfigureAwait(false)) on a test loop: not a plain deadlock
/// but an escape, named in the report with its fix. Every escape here is pending for sure (an infinite delay, a
/// Task.Run held by a gate) and released after the run, so nothing depends on timing.
/// </summary>
public class EscapeTests
{
    static DeadlockException Deadlock(Func<Task> body)
        => OnFreshThread(() =>
        {
            try
            {
                TestLoop.Run(body);
            }
            catch (DeadlockException e)
            {
                return e;
            }
            throw new Xunit.Sdk.XunitException("the run did not end in a DeadlockException");
        });

    [Fact]
    public void Task_Delay_is_named_with_Time_SleepAsync_as_the_fix()
    {
        using var release = new CancellationTokenSource();
        var e = Deadlock(async () => await Task.Delay(Timeout.Infinite, release.Token));
        var escape = Assert.Single(e.Escapes);
        Assert.StartsWith("'main' is not blocked in any Structured primitive: it awaits Task.Delay", escape, StringComparison.Ordinal);
        Assert.Contains("Fix: use Time.SleepAsync", escape, StringComparison.Ordinal);
        Assert.StartsWith("Escape from the test loop", e.Message, StringComparison.Ordinal);
        Assert.Contains(escape, e.Message, StringComparison.Ordinal);
        release.Cancel();
    }

    [Fact]
    public void Task_Run_is_named_with_ToThread_RunAsync_as_the_fix_also_in_a_nursery_child_and_a_helper_method()
    {
        using var gate = new ManualResetEventSlim();
        async Task HelperAsync()
        {
            await Checkpoint.YieldAsync();
            await Task.Run(() => gate.Wait());
        }
        var e = Deadlock(() => Nursery.RunAsync(async n =>
        {
            n.StartSoon(HelperAsync, "worker");
            await Checkpoint.YieldAsync();
        }));
        var escape = Assert.Single(e.Escapes);
        Assert.StartsWith("'worker' is not blocked in any Structured primitive: it awaits Task.Run", escape, StringComparison.Ordinal);
        Assert.Contains("Fix: use ToThread.RunAsync", escape, StringComparison.Ordinal);
        Assert.Contains("'main' waits on its nursery's children (1 running)", e.BlockedTasks);
        gate.Set();
    }

    [Fact]
    public void ConfigureAwait_false_is_named_with_its_removal_as_the_fix()
    {
        using var release = new CancellationTokenSource();
        var e = Deadlock(async () => await Task.Delay(Timeout.Infinite, release.Token).ConfigureAwait(false));
        var escape = Assert.Single(e.Escapes);
        Assert.Contains("awaited with ConfigureAwait(false)", escape, StringComparison.Ordinal);
        Assert.Contains("Fix: remove ConfigureAwait(false)", escape, StringComparison.Ordinal);
        release.Cancel();
    }

    [Fact]
    public void A_Task_that_another_party_completes_gets_the_general_explanation()
    {
        var never = new TaskCompletionSource();
        var e = Deadlock(async () => await never.Task);
        var escape = Assert.Single(e.Escapes);
        Assert.Contains("a Task that the loop does not drive", escape, StringComparison.Ordinal);
        Assert.Contains("ToThread.RunAsync", escape, StringComparison.Ordinal);
    }

    [Fact]
    public void A_true_deadlock_has_no_escape()
    {
        var e = Deadlock(async () => await new Event().WaitAsync());
        Assert.Empty(e.Escapes);
        Assert.StartsWith("Deadlock: every task is blocked", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConcurrencyProperty_reports_the_escape_in_its_error_line()
    {
        using var release = new CancellationTokenSource();
        var e = PropertyFailure.Of(() => ConcurrencyProperty.ForAll(async () => await Task.Delay(Timeout.Infinite, release.Token), runs: 1, seed: 0), "ForAll passed");
        Assert.IsType<DeadlockException>(e.InnerException);
        Assert.Contains("Error: Structured.Testing.DeadlockException: Escape from the test loop", e.Message, StringComparison.Ordinal);
        Assert.Contains("Fix: use Time.SleepAsync", e.Message, StringComparison.Ordinal);
        release.Cancel();
    }
}
