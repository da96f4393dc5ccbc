namespace AnalyzersTests;

public sealed class STR105Tests
{
    [Fact]
    public Task ConfigureAwaitFalseIsRemoved() => StructuredTest.VerifyFixAsync("""
        class C
        {
            async Task<int> M(Task<int> work, IAsyncEnumerable<int> items)
            {
                await Time.SleepAsync(TimeSpan.FromSeconds(1)){|STR105:.ConfigureAwait(false)|};
                await foreach (var item in items{|STR105:.ConfigureAwait(false)|}) { }
                return await work{|STR105:.ConfigureAwait(false)|};
            }
        }
        """, """
        class C
        {
            async Task<int> M(Task<int> work, IAsyncEnumerable<int> items)
            {
                await Time.SleepAsync(TimeSpan.FromSeconds(1));
                await foreach (var item in items) { }
                return await work;
            }
        }
        """);

    [Fact]
    public Task ConfigureAwaitTrueAndCodeThatDoesNotUseStructuredAreNotReported() => new StructuredTest("""
        using System.Threading.Tasks;
        class Plain
        {
            async Task M(Task work) { await work.ConfigureAwait(false); }
        }
        class C
        {
            async Task N(Task work) { await work.ConfigureAwait(true); Structured.Checkpoint.ThrowIfCancelled(); }
            // A completion hook, not an await: no method resumes off the Loop.
            void Hook(ValueTask work, System.Action done) => work.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(done);
        }
        """).RunAsync(TestContext.Current.CancellationToken);
}
