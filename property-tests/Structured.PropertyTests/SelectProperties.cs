using ChannelsTests;
using FsCheck;
using FsCheck.Xunit;

namespace PropertyTests;

/// <summary>Select completes exactly one branch and loses nothing, whatever the schedule and the cancellations.</summary>
public class SelectProperties
{
    [Property(MaxTest = Budget.HeavyCases, Arbitrary = new[] { typeof(Schedules) })]
    public void Every_item_a_select_sent_is_received_or_handed_to_onUndelivered_exactly_once(Schedule schedule, NonNegativeInt seed)
    {
        var scenario = new SelectChaosScenario(seed.Get);
        OnFreshThread(() => TestLoop.Run(scenario.RunAsync, schedule));
        scenario.Check();
    }

    [Fact]
    public void A_select_racing_two_senders_and_a_cancellation_completes_at_most_one_branch_and_each_send_reports_truly()
        => ConcurrencyProperty.ForAll(async () =>
        {
            var (sa, ra) = MemoryChannel.Create<int>(0);
            var (sb, rb) = MemoryChannel.Create<int>(0);
            var scope = new CancelScope();
            int? got = null;
            bool aSent = false, bSent = false;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await scope.RunAsync(async () => got = await Select.Receive(ra, x => x).Receive(rb, x => x).RunAsync()), "selector");
                n.StartSoon(async () =>
                {
                    var deadline = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(1));
                    await deadline.RunAsync(async () => { await sa.SendAsync(1); aSent = true; });
                }, "sender-a");
                n.StartSoon(async () =>
                {
                    var deadline = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(1));
                    await deadline.RunAsync(async () => { await sb.SendAsync(2); bSent = true; });
                }, "sender-b");
                n.StartSoon(async () =>
                {
                    await Checkpoint.YieldAsync();
                    scope.Cancel("race");
                }, "canceller");
            });
            int sends = (aSent ? 1 : 0) + (bSent ? 1 : 0);
            if (sends != (got is null ? 0 : 1))
                throw new InvalidOperationException($"select got {got?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing"} but {sends} sends completed");
            if ((got == 1 && !aSent) || (got == 2 && !bSent))
                throw new InvalidOperationException($"select got {got} from a send that did not complete");
            if (ra.Statistics.TasksWaitingReceive + rb.Statistics.TasksWaitingReceive != 0)
                throw new InvalidOperationException("a losing branch stayed queued");
        }, runs: 300, seed: 16);
}
