namespace HostingTests;

/// <summary>
/// Signals: the termination handler's decisions (unit), and signals received as a channel (SIGWINCH sent to this very
/// process: its default action is to do nothing, so a test going wrong cannot kill the test run).
/// </summary>
public class SignalsTests
{
    [Fact]
    public void The_first_termination_signal_cancels_the_scope_and_keeps_the_process_alive()
    {
        var scope = new CancelScope();
        var handler = new TerminationHandler(scope);
        var context = new PosixSignalContext(PosixSignal.SIGTERM);
        handler.Handle(context);
        Assert.True(context.Cancel);
        Assert.True(scope.CancelCalled);
        Assert.Equal("SIGTERM received", scope.CancelReason);
        Assert.Equal(PosixSignal.SIGTERM, handler.Received);
    }

    [Fact]
    public void A_second_SIGINT_lets_the_process_end_at_once_a_second_SIGTERM_does_not()
    {
        var handler = new TerminationHandler(new CancelScope());
        handler.Handle(new PosixSignalContext(PosixSignal.SIGINT));
        var again = new PosixSignalContext(PosixSignal.SIGTERM);
        handler.Handle(again);
        Assert.True(again.Cancel);
        var interrupt = new PosixSignalContext(PosixSignal.SIGINT);
        handler.Handle(interrupt);
        Assert.False(interrupt.Cancel); // the runtime's default action: terminate now
        Assert.Equal(PosixSignal.SIGINT, handler.Received);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Signals_arrive_as_items_and_a_burst_is_coalesced_while_one_is_pending()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "sends SIGWINCH with kill(2)");
        var received = new List<PosixSignal>();
        int extra = 0;
        RealTime.OnLoop(async () =>
        {
            await using var signals = Signals.OpenReceiver(PosixSignal.SIGWINCH);
            RealTime.Kill(Environment.ProcessId, RealTime.SIGWINCH);
            received.Add(await CancelScope.FailAfter(RealTime.HangGuard, async () => await signals.ReceiveAsync()));

            for (int i = 0; i < 3; i++)
            {
                RealTime.Kill(Environment.ProcessId, RealTime.SIGWINCH);
                await Time.SleepAsync(TimeSpan.FromMilliseconds(30));
            }
            received.Add(await CancelScope.FailAfter(RealTime.HangGuard, async () => await signals.ReceiveAsync()));
            // The runtime hands signals over asynchronously: one of the burst may still arrive after the receive above,
            // as an item of its own. Three signals coalesced while one was pending make at most two items, never three.
            await Time.SleepAsync(TimeSpan.FromMilliseconds(100));
            while (signals.TryReceive(out _))
                extra++;
        });
        Assert.Equal([PosixSignal.SIGWINCH, PosixSignal.SIGWINCH], received);
        Assert.True(extra <= 1, $"the burst of 3 made {1 + extra} items: it was not coalesced");
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void A_clone_keeps_receiving_after_the_original_is_closed()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "sends SIGWINCH with kill(2)");
        PosixSignal? received = null;
        RealTime.OnLoop(async () =>
        {
            var signals = Signals.OpenReceiver(PosixSignal.SIGWINCH);
            await using var clone = signals.Clone();
            signals.Close();
            Assert.Throws<ClosedResourceException>(() => signals.TryReceive(out _));
            RealTime.Kill(Environment.ProcessId, RealTime.SIGWINCH);
            received = await CancelScope.FailAfter(RealTime.HangGuard, async () => await clone.ReceiveAsync());
        });
        Assert.Equal(PosixSignal.SIGWINCH, received);
    }

    [Fact]
    public void OpenReceiver_checks_its_arguments()
    {
        Assert.Throws<ArgumentNullException>(() => Signals.OpenReceiver(null!));
        Assert.Throws<ArgumentException>(() => Signals.OpenReceiver());
        Assert.ThrowsAsync<ArgumentNullException>(() => Signals.CancelOnTerminationAsync(null!)).GetAwaiter().GetResult();
    }
}
