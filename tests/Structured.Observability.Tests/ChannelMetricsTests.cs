namespace ObservabilityTests;

public class ChannelMetricsTests
{
    [Fact]
    public void A_named_channel_reports_items_sent_received_and_buffered()
    {
        using var recorder = new MetricRecorder();
        List<Recorded>? during = null, afterReceiveClosed = null;
        Run(async () =>
        {
            var (send, receive) = MemoryChannel.Create<int>(2, "jobs");
            var (unnamedSend, unnamedReceive) = MemoryChannel.Create<int>(2);
            await Nursery.RunAsync(async nursery =>
            {
                nursery.StartSoon(async () =>
                {
                    for (int i = 0; i < 5; i++)
                        await send.SendAsync(i);
                    await unnamedSend.SendAsync(1);
                }, "producer");
                for (int i = 0; i < 3; i++)
                    await receive.ReceiveAsync();
            });
            during = recorder.Observe();
            receive.Close(); // drops the two buffered items
            afterReceiveClosed = recorder.Observe();
            send.Close();
            unnamedSend.Close();
            unnamedReceive.Close();
        });
        var afterAllClosed = recorder.Observe();

        Recorded Only(List<Recorded> from, string name) => Assert.Single(from, m => m.Instrument == name);
        Assert.Equal(5, Only(during!, "structured.channel.items.sent").Value);
        Assert.Equal(3, Only(during!, "structured.channel.items.received").Value);
        Assert.Equal(2, Only(during!, "structured.channel.queue.length").Value);
        Assert.Equal("jobs", Only(during!, "structured.channel.items.sent").Tag("structured.channel.name"));
        Assert.Equal(5, Only(afterReceiveClosed!, "structured.channel.items.sent").Value);
        Assert.Equal(0, Only(afterReceiveClosed!, "structured.channel.queue.length").Value);
        Assert.DoesNotContain(afterAllClosed, m => m.Instrument.StartsWith("structured.channel.", StringComparison.Ordinal));
    }

    [Fact]
    public void Rendezvous_hand_offs_and_select_receives_are_counted()
    {
        using var recorder = new MetricRecorder();
        List<Recorded>? observed = null;
        Run(async () =>
        {
            var (send, receive) = MemoryChannel.Create<string>(0, "handoff");
            await Nursery.RunAsync(async nursery =>
            {
                nursery.StartSoon(async () =>
                {
                    await send.SendAsync("a"); // the receiver waits: handed over
                    await Time.SleepAsync(S(1));
                    await send.SendAsync("b"); // the sender waits, the receiver takes it
                    send.TrySend("c"); // nobody waits: refused, not counted
                }, "sender");
                await receive.ReceiveAsync();
                await Time.SleepAsync(S(2));
                await receive.ReceiveAsync();
            });
            observed = recorder.Observe();
            send.Close();
            receive.Close(); // a named channel is reported until all its ends are closed: not into the next test
        });
        Assert.Equal(2, Assert.Single(observed!, m => m.Instrument == "structured.channel.items.sent").Value);
        Assert.Equal(2, Assert.Single(observed!, m => m.Instrument == "structured.channel.items.received").Value);
    }

    [Fact]
    public void Channels_of_one_name_are_one_series_and_bad_names_are_refused()
    {
        // Run first in a process (alone, or first in CI's order), this is also the test that the channel instruments
        // exist when a named channel is the first thing of Structured a program uses, before any loop or task.
        using var recorder = new MetricRecorder();
        var (a, ra) = MemoryChannel.Create<int>(4, "shared");
        var (b, rb) = MemoryChannel.Create<int>(4, "shared");
        try
        {
            Assert.True(a.TrySend(1));
            Assert.True(b.TrySend(2));
            Assert.True(b.TrySend(3));
            var observed = recorder.Observe();
            Assert.Equal(3, Assert.Single(observed, m => m.Instrument == "structured.channel.queue.length").Value);
            Assert.Throws<ArgumentNullException>(() => MemoryChannel.Create<int>(1, name: null!));
            var empty = Assert.Throws<ArgumentException>(() => MemoryChannel.Create<int>(1, " "));
            Assert.Equal("name", empty.ParamName);
        }
        finally
        {
            // Closed whatever happens: a named channel left open is reported into the tests that follow.
            a.Close();
            ra.Close();
            b.Close();
            rb.Close();
        }
    }
}
