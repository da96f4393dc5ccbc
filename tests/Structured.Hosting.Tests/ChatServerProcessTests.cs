using Chat;

namespace HostingTests;

/// <summary>
/// The built sample as a process: the demo (the README's first command), Ctrl+C on the demo, and SIGTERM to the hosted
/// server in the middle of traffic.
/// </summary>
public class ChatServerProcessTests
{
    static readonly TimeSpan Bound = RealTime.HangGuard;

    /// <summary>Runs the sample with <paramref name="arguments"/> until it exits by itself; asserts exit code 0; returns what it printed.</summary>
    static string RunDemoToItsEnd(params string[] arguments)
    {
        using var demo = SampleProcess.Start(arguments);
        demo.WaitForExit(Bound);
        var output = demo.Output;
        Assert.True(demo.ExitCode == 0, output);
        return output;
    }

    [Fact]
    public void The_demo_shows_the_chat_drops_the_slow_client_and_shuts_down_cleanly_on_its_own()
    {
        var output = RunDemoToItsEnd();
        Assert.Contains("alice  |   bob: tests are green, shipping today", output);
        Assert.Contains("(received all 300 pasted lines)", output);
        Assert.Contains("* dave was dropped (", output);
        Assert.Contains("alice  |   bob: one last thing: the party is at 6", output); // accepted just before the stop: delivered
        Assert.Contains("alice  |   * server shutting down, goodbye", output);
        Assert.Contains("dropped=1 open=0 members=0", output);
        Assert.DoesNotContain("reset", output);
        Assert.DoesNotContain("stderr:", output);
    }

    [Fact]
    public void The_demo_with_telemetry_prints_Structured_s_metrics_and_traces_through_OpenTelemetry_s_console_exporter()
    {
        var output = RunDemoToItsEnd("demo", "--telemetry");
        // The demo still ends cleanly (what it shows is the other test's business: this one checks the exporters).
        Assert.Contains(" open=0 members=0", output);
        // The final export, when the demo ends: every task of the demo started and finished.
        Assert.Contains("Metric Name: structured.task.started,", output);
        Assert.Contains("Metric Name: structured.task.finished,", output);
        Assert.Contains("Metric Name: structured.loop.steps,", output);
        Assert.Contains("structured.task.outcome: completed", output);
        // An activity per named task and per nursery, from the "Structured" source.
        Assert.Matches(@"Activity\.DisplayName: +chat server\n", output.ReplaceLineEndings("\n"));
        Assert.Matches(@"Activity\.DisplayName: +nursery of main\n", output.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("stderr:", output);
    }

    [Fact]
    public void Ctrl_C_cancels_the_demo_which_cleans_up_and_exits_zero()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "sends SIGINT with kill(2)");
        using var demo = SampleProcess.Start("demo");
        demo.WaitForLine("alice  | hi all!", Bound);
        RealTime.Kill(demo.Id, RealTime.SIGINT);
        demo.WaitForExit(Bound);
        Assert.True(demo.ExitCode == 0, demo.Output);
        Assert.Contains("interrupted by SIGINT: every task was cancelled and every socket closed.", demo.Output);
        Assert.DoesNotContain("stderr:", demo.Output);
    }

    [Fact]
    public void Sigterm_during_traffic_delivers_every_accepted_message_and_exits_zero()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "sends SIGTERM with kill(2)");
        using var server = SampleProcess.Start("server", "--port", "0");
        var listening = server.WaitForLine("listening on 127.0.0.1:", Bound);
        int port = int.Parse(listening[(listening.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var everyone = new List<Participant>();

        RealTime.OnLoop(async () =>
        {
            for (int i = 0; i < 10; i++)
            {
                var client = await ChatClient.ConnectAsync(port, $"p{i}");
                // Joined once the welcome arrives: nobody misses messages of the others.
                var welcome = await CancelScope.FailAfter(Bound, async () => await client.ReceiveAsync());
                Assert.StartsWith("* welcome", welcome);
                everyone.Add(new Participant(client));
            }
            // Each client joined before the next connected: the room is complete before the first message.
            await CancelScope.FailAfter(Bound, () => Nursery.RunAsync(async clients =>
            {
                foreach (var p in everyone)
                {
                    clients.StartSoon(p.ReceiveAllAsync, $"{p.Name} receiving");
                    clients.StartSoon(async () =>
                    {
                        try
                        {
                            while (!p.SawGoodbye && !p.SawEnd)
                            {
                                await p.Client.SendAsync($"{p.Name}-{p.Sent}");
                                p.Sent++;
                                await Time.SleepAsync(TimeSpan.FromMilliseconds(2));
                            }
                        }
                        catch (IOException)
                        {
                        }
                        p.Client.ShutdownSend();
                    }, $"{p.Name} sending");
                }
                // In the middle of the traffic: once the first client has had more than 50 messages of the others (so the
                // server has accepted more than 50), however long that takes on a loaded machine.
                while (everyone[0].Lines.Count(l => !l.StartsWith('*')) <= 50)
                    await Time.SleepAsync(TimeSpan.FromMilliseconds(5));
                RealTime.Kill(server.Id, RealTime.SIGTERM);
            }));
            foreach (var p in everyone)
                await p.Client.DisposeAsync();
        });

        server.WaitForExit(Bound);
        var output = server.Output;
        Assert.True(server.ExitCode == 0, output);
        var stopped = server.WaitForLine("stopped: received=", TimeSpan.Zero);
        var received = long.Parse(System.Text.RegularExpressions.Regex.Match(stopped, @"received=(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("open=0 members=0", stopped);
        Assert.Contains("dropped=0", stopped);
        Assert.True(received > 50, $"only {received} messages before the SIGTERM");
        Assert.All(everyone, p => Assert.True(p.SawGoodbye && p.SawEnd && !p.WasReset, $"{p.Name}: goodbye {p.SawGoodbye}, end {p.SawEnd}, reset {p.WasReset}"));
        // Joins of later clients arrive before any message; then only messages, the goodbye last.
        Participant.AssertEveryAcceptedMessageWasDelivered(everyone, received);
        Assert.Contains("Structured service 'chat' stopped: every task of it has finished.", output);
        Assert.DoesNotContain("fail:", output);
        Assert.DoesNotContain("crit:", output);
    }
}
