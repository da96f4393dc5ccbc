using static SyncTests.SyncHarness;

namespace SyncTests;

public class ParkingLotTests
{
    [Fact]
    public void Unpark_wakes_in_the_order_the_tasks_parked_and_counts_only_woken_tasks()
    {
        var woke = new List<int>();
        Run(async () =>
        {
            var lot = new ParkingLot();
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 4; i++)
                {
                    int k = i;
                    n.StartSoon(async () => { await lot.ParkAsync(); woke.Add(k); });
                }
                await Settle();
                Assert.Equal(4, lot.Count);
                Assert.Equal(4, lot.Statistics.TasksWaiting);
                Assert.Equal(1, lot.Unpark());
                Assert.Equal(2, lot.Unpark(2));
                await Settle();
                Assert.Equal(new[] { 0, 1, 2 }, woke);
                Assert.Equal(1, lot.UnparkAll());
                Assert.Equal(0, lot.UnparkAll());
            });
        });
        Assert.Equal(new[] { 0, 1, 2, 3 }, woke);
    }

    [Fact]
    public void A_cancelled_parked_task_leaves_the_lot_and_is_not_counted_by_Unpark()
    {
        var record = new List<string>();
        Run(async () =>
        {
            var lot = new ParkingLot();
            var scope = new CancelScope();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await scope.RunAsync(async () => { await lot.ParkAsync(); record.Add("a woken"); }));
                n.StartSoon(async () => { await lot.ParkAsync(); record.Add("b woken"); });
                await Settle();
                scope.Cancel();
                Assert.Equal(1, lot.Count);
                Assert.Equal(1, lot.Unpark());
            });
            Assert.True(scope.CancelledCaught);
        });
        Assert.Equal(new[] { "b woken" }, record);
    }

    [Fact]
    public void A_token_aborts_a_park_with_OperationCanceledException()
    {
        Run(async () =>
        {
            var lot = new ParkingLot();
            using var cts = new CancellationTokenSource();
            Exception? error = null;
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => error = await Catch(async () => await lot.ParkAsync(cts.Token)));
                await Settle();
                cts.Cancel();
            });
            var oce = Assert.IsType<OperationCanceledException>(error);
            Assert.Equal(cts.Token, oce.CancellationToken);
            Assert.Equal(0, lot.Count);
        });
    }

    [Fact]
    public void Park_is_a_checkpoint_in_a_cancelled_scope()
    {
        Run(async () =>
        {
            var lot = new ParkingLot();
            var scope = new CancelScope();
            scope.Cancel();
            await scope.RunAsync(async () => await lot.ParkAsync());
            Assert.True(scope.CancelledCaught);
            Assert.Equal(0, lot.Count);
        });
    }

    [Fact]
    public void Repark_keeps_order_and_the_moved_tasks_stay_cancellable()
    {
        var woke = new List<int>();
        Run(async () =>
        {
            var lot1 = new ParkingLot();
            var lot2 = new ParkingLot();
            var scopes = new CancelScope[4];
            await Nursery.RunAsync(async n =>
            {
                for (int i = 0; i < 4; i++)
                {
                    int k = i;
                    scopes[k] = new CancelScope();
                    n.StartSoon(async () => await scopes[k].RunAsync(async () => { await lot1.ParkAsync(); woke.Add(k); }));
                }
                await Settle();
                Assert.Equal(3, lot1.Repark(lot2, 3));
                Assert.Equal(1, lot1.Count);
                Assert.Equal(3, lot2.Count);
                scopes[1].Cancel();
                Assert.Equal(2, lot2.Count);
                Assert.Equal(1, lot1.ReparkAll(lot2));
                Assert.Equal(1, lot2.Repark(lot2)); // to its own end: 2, 3, 0
                await Settle();
                Assert.Empty(woke);
                Assert.Equal(3, lot2.UnparkAll());
            });
        });
        Assert.Equal(new[] { 2, 3, 0 }, woke);
    }

    [Fact]
    public void Misuse_throws_argument_exceptions()
    {
        var lot = new ParkingLot();
        Assert.Throws<ArgumentOutOfRangeException>(() => lot.Unpark(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => lot.Repark(new ParkingLot(), -1));
        Assert.Throws<ArgumentNullException>(() => lot.Repark(null!));
        Assert.Throws<ArgumentNullException>(() => lot.ReparkAll(null!));
    }

    [Fact]
    public void The_task_tree_shows_what_a_parked_task_waits_on()
    {
        Run(async () =>
        {
            var lot = new ParkingLot();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () => await lot.ParkAsync(), "parker");
                await Settle();
                Assert.Contains("ParkingLot.ParkAsync", Loop.Current!.DumpTaskTree(), StringComparison.Ordinal);
                lot.UnparkAll();
            });
        });
    }
}
