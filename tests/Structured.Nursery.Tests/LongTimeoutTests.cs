namespace NurseryTests;

// Issue 12, item 14: off the loop, deadlines and sleeps past a system timer's 49.7-day limit work.
public class LongTimeoutTests
{
    [Theory]
    [InlineData(60.0)]
    [InlineData(365.0 * 1000)]
    public void Off_the_loop_a_scope_with_a_deadline_months_away_enters_and_exits(double days)
    {
        OffLoop(async () =>
        {
            var scope = CancelScope.MoveOnAfter(TimeSpan.FromDays(days));
            bool ran = false;
            await scope.RunAsync(async () => { await Checkpoint.YieldAsync(); ran = true; });
            Assert.True(ran);
            Assert.False(scope.CancelledCaught);
            await CancelScope.FailAfter(TimeSpan.FromDays(days), async () => await Checkpoint.YieldAsync());
        });
    }

    [Fact]
    public void Off_the_loop_a_deadline_just_below_TimeSpan_MaxValue_works()
    {
        OffLoop(async () =>
        {
            var scope = new CancelScope(TimeSpan.MaxValue - TimeSpan.FromTicks(1));
            await scope.RunAsync(async () => await Checkpoint.YieldAsync());
            Assert.False(scope.CancelCalled);
        });
    }

    [Fact]
    public void Off_the_loop_a_sleep_of_months_parks_and_is_cancelled_like_any_other()
    {
        OffLoop(async () =>
        {
            var scope = new CancelScope();
            var body = scope.RunAsync(async () => await Time.SleepAsync(TimeSpan.FromDays(60)));
            scope.Cancel("done waiting");
            await body;
            Assert.True(scope.CancelledCaught);
        });
    }
}
