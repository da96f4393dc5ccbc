namespace TestingTests;

/// <summary>Sequencer (Trio's trio.testing.Sequencer; test_testing.py).</summary>
public class SequencerTests
{
    static void RunTest(Func<Task> body, Schedule? schedule = null) => OnFreshThread(() => TestLoop.Run(body, schedule));

    static async Task Workers(List<int> record)
    {
        var seq = new Sequencer();
        async Task Worker(int first, int second)
        {
            using (await seq.BlockAsync(first))
            {
                await Checkpoint.YieldAsync();
                record.Add(first);
            }
            using (await seq.BlockAsync(second))
                record.Add(second);
        }
        await Nursery.RunAsync(async n =>
        {
            n.StartSoon(() => Worker(0, 4), "worker-1");
            n.StartSoon(() => Worker(2, 5), "worker-2");
            n.StartSoon(() => Worker(1, 3), "worker-3");
        });
    }

    [Fact]
    public void Blocks_run_in_number_order()
    {
        var record = new List<int>();
        RunTest(() => Workers(record));
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5 }, record);
    }

    [Fact]
    public void Blocks_run_in_number_order_under_any_schedule()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var record = new List<int>();
            RunTest(() => Workers(record), Schedule.Random(seed));
            Assert.Equal(new[] { 0, 1, 2, 3, 4, 5 }, record);
        }
    }

    [Fact]
    public void Reusing_a_number_throws_InvalidOperationException()
    {
        Exception? e = null;
        RunTest(async () =>
        {
            var seq = new Sequencer();
            using (await seq.BlockAsync(0)) { }
            e = await Catch(async () => { using (await seq.BlockAsync(0)) { } });
        });
        Assert.IsType<InvalidOperationException>(e);
    }

    [Fact]
    public void A_cancelled_wait_breaks_the_sequence_for_everyone()
    {
        var errors = new List<Exception>();
        RunTest(async () =>
        {
            var seq = new Sequencer();
            await Nursery.RunAsync(async n =>
            {
                n.StartSoon(async () =>
                {
                    try { using (await seq.BlockAsync(2)) { } }
                    catch (Exception e) { errors.Add(e); }
                });
                await TestLoop.WaitAllTasksBlockedAsync();
                await CancelScope.MoveOnAfter(S(1)).RunAsync(async () =>
                {
                    try { using (await seq.BlockAsync(1)) { } }
                    catch (Exception e) { errors.Add(e); }
                });
                errors.Add(await Catch(async () => { using (await seq.BlockAsync(3)) { } }) ?? new Exception("none"));
            });
        });
        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.IsType<InvalidOperationException>(e));
        Assert.Contains("cancelled", errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_number_throws_ArgumentOutOfRangeException()
    {
        Exception? e = null;
        RunTest(async () => e = await Catch(async () => await new Sequencer().BlockAsync(-1)));
        Assert.IsType<ArgumentOutOfRangeException>(e);
    }

    [Fact]
    public void Leaving_a_block_twice_does_nothing()
    {
        var record = new List<string>();
        RunTest(async () =>
        {
            var seq = new Sequencer();
            var block = await seq.BlockAsync(0);
            block.Dispose();
            block.Dispose();
            using (await seq.BlockAsync(1)) record.Add("one");
        });
        Assert.Equal(new[] { "one" }, record);
    }
}
