namespace AnalyzersTests;

public sealed class STR101Tests
{
    [Fact]
    public Task MoveOnAfterWhoseBodyAwaitsNothingIsReported() => StructuredTest.VerifyAsync("""
        class C
        {
            static int Compute() => 42;
            async Task M()
            {
                await {|STR101:CancelScope.MoveOnAfter(TimeSpan.FromSeconds(1)).RunAsync|}(async () => { Compute(); });
            }
        }
        """);

    [Fact]
    public Task FailAfterAndNewScopeWhoseBodiesAwaitNothingAreReported() => StructuredTest.VerifyAsync("""
        class C
        {
            async Task M()
            {
                await {|STR101:CancelScope.FailAfter|}(TimeSpan.FromSeconds(1), async () => Console.WriteLine());
                var scope = new CancelScope(TimeSpan.FromSeconds(3));
                await {|STR101:scope.RunAsync|}(async () =>
                {
                    // An await inside a child's lambda does not run in this body.
                    Func<Task> later = async () => await Time.SleepAsync(TimeSpan.FromSeconds(1));
                    return 1;
                });
            }
        }
        """);

    [Fact]
    public Task BodiesThatAwaitOrCheckOrAreNotAsyncAreNotReported() => StructuredTest.VerifyAsync("""
        class C
        {
            static Task Work() => Task.CompletedTask;
            async Task M()
            {
                await CancelScope.MoveOnAfter(TimeSpan.FromSeconds(1)).RunAsync(async () => await Time.SleepAsync(TimeSpan.FromSeconds(2)));
                await CancelScope.FailAfter(TimeSpan.FromSeconds(1), async () => { await foreach (var x in Items()) { } });
                await new CancelScope().RunAsync(async () => { while (true) { Checkpoint.ThrowIfCancelled(); } });
                await CancelScope.MoveOnAfter(TimeSpan.FromSeconds(1)).RunAsync(() => Work());
                await CancelScope.MoveOnAfter(TimeSpan.FromSeconds(1)).RunAsync(Work);
            }
            static async IAsyncEnumerable<int> Items() { await Checkpoint.YieldAsync(); yield return 1; }
        }
        """);
}
