namespace ChannelsTests;

/// <summary>
/// Selects under random cancellations, timeouts, early closes and undelivered-item callbacks: every item a select
/// sent is received once or handed to the callback once (<see cref="SelectChaosScenario"/>). Deterministic on the
/// loop: each case is a seed.
/// </summary>
public sealed class SelectCancellationSafetyTests
{
    [Fact]
    public void Under_random_cancellations_every_item_a_select_sent_is_received_or_handed_over_exactly_once()
    {
        for (int seed = 0; seed < 150; seed++)
        {
            var scenario = new SelectChaosScenario(seed);
            Run(scenario.RunAsync);
            scenario.Check();
        }
    }

    [Fact]
    public void The_scenarios_exercise_sends_receives_and_undelivered_items()
    {
        int sent = 0, received = 0, undelivered = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            var scenario = new SelectChaosScenario(seed);
            Run(scenario.RunAsync);
            sent += scenario.Sent;
            received += scenario.Received;
            undelivered += scenario.Undelivered;
        }
        Assert.True(received > 0 && undelivered > 0 && sent == received + undelivered, $"sent {sent}, received {received}, undelivered {undelivered}");
    }

    [Fact]
    public void The_same_seed_gives_the_same_run()
    {
        var first = new SelectChaosScenario(11);
        Run(first.RunAsync);
        var second = new SelectChaosScenario(11);
        Run(second.RunAsync);
        Assert.Equal(first.Transcript(), second.Transcript());
    }
}
