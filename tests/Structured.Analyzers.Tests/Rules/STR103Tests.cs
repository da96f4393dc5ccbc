namespace AnalyzersTests;

public sealed class STR103Tests
{
    [Fact]
    public Task CatchesThatDropTheCancellationOnSomePathAreReported() => StructuredTest.VerifyAsync("""
        class C
        {
            async Task<int> M(bool flag)
            {
                try { await Time.SleepAsync(TimeSpan.FromSeconds(1)); } catch ({|STR103:Exception|}) { Console.WriteLine("failed"); }
                try { await Checkpoint.YieldAsync(); } catch ({|STR103:OperationCanceledException e|}) { if (flag) throw; Console.WriteLine(e); }
                try { await Checkpoint.YieldAsync(); } catch ({|STR103:Cancelled|}) { return 1; }
                try { await Checkpoint.YieldAsync(); } {|STR103:catch|} { }
                try { await Checkpoint.YieldAsync(); } catch ({|STR103:Exception e|}) { throw new InvalidOperationException("wrapped", e); }
                while (true)
                {
                    try { Checkpoint.ThrowIfCancelled(); } catch ({|STR103:SystemException|}) { break; }
                }
                return 0;
            }
        }
        """);

    [Fact]
    public Task RethrowingFilteredAndUnrelatedCatchesAreNotReported() => StructuredTest.VerifyAsync("""
        class C
        {
            async Task M()
            {
                try { await Checkpoint.YieldAsync(); } catch (Exception) { Console.WriteLine("failed"); throw; }
                try { await Checkpoint.YieldAsync(); } catch (Exception e) { Console.WriteLine(e); throw e; }
                try { await Checkpoint.YieldAsync(); } catch (Exception e) when (e is not OperationCanceledException) { }
                try { await Checkpoint.YieldAsync(); } catch (OperationCanceledException) { throw; } catch (Exception) { }
                try { await Checkpoint.YieldAsync(); } catch (InvalidOperationException) { }
                try { await Checkpoint.YieldAsync(); } catch (TaskCanceledException) { }
                // No cancel point in the try block: nothing to swallow.
                try { Console.WriteLine(); } catch (Exception) { }
            }
        }
        """);

    [Fact]
    public Task CodeThatDoesNotUseStructuredIsNotReported() => new StructuredTest("""
        using System;
        using System.Threading.Tasks;
        class C
        {
            async Task M()
            {
                try { await Task.Delay(1); } catch (Exception) { }
            }
        }
        """).RunAsync(TestContext.Current.CancellationToken);
}
