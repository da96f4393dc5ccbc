using System.Runtime.CompilerServices;

namespace LoopTests;

public class LoopRunTests
{
    [Fact]
    public void Run_returns_the_value_of_main()
        => Assert.Equal(8, Run(async () => { await Checkpoint.YieldAsync(); return 8; }));

    [Fact]
    public void Run_sets_Current_on_the_loop_thread_only_while_it_runs()
    {
        Loop? inside = null;
        Run(async () => { inside = Loop.Current; await Checkpoint.YieldAsync(); });
        Assert.NotNull(inside);
        Assert.Null(Loop.Current);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static async Task FailDeepInside()
    {
        await Checkpoint.YieldAsync();
        throw new FormatException("bad input");
    }

    [Fact]
    public void An_exception_in_main_comes_out_as_itself_with_its_stack_trace()
    {
        var e = Assert.Throws<FormatException>(() => Run(async () => await FailDeepInside()));
        Assert.Equal("bad input", e.Message);
        Assert.Contains(nameof(FailDeepInside), e.StackTrace);
    }

    [Fact]
    public void A_nested_Run_on_the_loop_thread_throws_InvalidOperationException()
    {
        Exception? nested = null;
        Run(async () =>
        {
            nested = Record.Exception(() => Loop.Run(async () => await Checkpoint.YieldAsync()));
            await Checkpoint.YieldAsync();
        });
        var e = Assert.IsType<InvalidOperationException>(nested);
        Assert.Contains("already running a loop", e.Message);
    }

    [Fact]
    public void A_null_main_throws_ArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => Loop.Run(null!));
        Assert.Throws<ArgumentNullException>(() => Loop.Run<int>(null!));
    }

    [Fact]
    public void Setting_both_Seed_and_Schedule_throws_ArgumentException()
    {
        var options = new LoopOptions { Seed = 1, Schedule = Schedule.Fifo };
        var e = Assert.Throws<ArgumentException>(() => Loop.Run(async () => await Checkpoint.YieldAsync(), options));
        Assert.Contains("Seed", e.Message);
    }

    [Fact]
    public void A_cooperative_budget_below_one_throws_ArgumentOutOfRangeException()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new LoopOptions { CooperativeBudget = 0 });

    [Fact]
    public void A_null_instrument_throws_ArgumentException()
        => Assert.Throws<ArgumentException>(() => Loop.Run(async () => await Checkpoint.YieldAsync(), new LoopOptions { Instruments = [null!] }));

    [Fact]
    public void An_exception_thrown_by_a_posted_callback_ends_Run_with_it()
    {
        var e = Assert.Throws<InvalidTimeZoneException>(() => Run(async () =>
        {
            Loop.Current!.Post(() => throw new InvalidTimeZoneException("from a callback"));
            await Time.SleepForeverAsync();
        }));
        Assert.Equal("from a callback", e.Message);
    }

    [Fact]
    public void Awaits_inside_the_loop_resume_on_the_loop_thread()
    {
        var threads = new HashSet<int>();
        Run(async () =>
        {
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Yield();
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Run(() => Thread.SpinWait(10));
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Factory.StartNew(() => threads.Add(Environment.CurrentManagedThreadId), CancellationToken.None, TaskCreationOptions.None, Loop.Current!.Scheduler);
        });
        Assert.Single(threads);
    }
}
