namespace AnalyzersTests;

public sealed class STR104Tests
{
    [Fact]
    public Task TaskYieldAndDelayZeroAreReplacedByCheckpointYield() => StructuredTest.VerifyFixAsync("""
        class C
        {
            async Task M()
            {
                await Checkpoint.YieldAsync();
                await {|STR104:Task.Yield()|};
                await {|STR104:Task.Delay(0)|};
                await {|STR104:Task.Delay(TimeSpan.Zero)|};
            }
        }
        """, """
        class C
        {
            async Task M()
            {
                await Checkpoint.YieldAsync();
                await Checkpoint.YieldAsync();
                await Checkpoint.YieldAsync();
                await Checkpoint.YieldAsync();
            }
        }
        """);

    [Fact]
    public Task ANonAwaitedDelayIsReportedWithoutAFix() => StructuredTest.VerifyAsync("""
        class C
        {
            Task M() { Time.Now.ToString(); return {|STR104:Task.Delay(0)|}; }
        }
        """);

    [Fact]
    public Task RealDelaysAndCodeThatDoesNotUseStructuredAreNotReported() => new StructuredTest("""
        using System.Threading.Tasks;
        // A type that names nothing of Structured is ordinary .NET code.
        class Plain
        {
            async Task M() { await Task.Yield(); await Task.Delay(0); }
        }
        class C
        {
            async Task N() { await Task.Delay(5); Structured.Checkpoint.ThrowIfCancelled(); }
        }
        """).RunAsync(TestContext.Current.CancellationToken);

    [Fact]
    public Task TheFixAddsTheUsingWhenItIsMissing() => new StructuredTest("""
        using System.Threading.Tasks;
        class C
        {
            async Task M() { Structured.Checkpoint.ThrowIfCancelled(); await {|STR104:Task.Yield()|}; }
        }
        """, """
        using System.Threading.Tasks;
        using Structured;

        class C
        {
            async Task M() { Structured.Checkpoint.ThrowIfCancelled(); await Checkpoint.YieldAsync(); }
        }
        """).RunAsync(TestContext.Current.CancellationToken);
}
