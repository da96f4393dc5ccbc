namespace AnalyzersTests;

public sealed class STR111Tests
{
    [Fact]
    public Task AUsingVariableThatAChildUsesAfterTheBodyEndsIsReported() => StructuredTest.VerifyAsync("""
        class C
        {
            async Task M()
            {
                await Nursery.RunAsync(async n =>
                {
                    using var stream = new System.IO.MemoryStream();
                    n.StartSoon(async () => await stream.FlushAsync());
                });
                await Nursery.RunAsync(async n =>
                {
                    using (var lease = new System.IO.MemoryStream())
                    {
                        await Checkpoint.YieldAsync();
                        n.StartSoon(() => {|STR111:lease|}.FlushAsync());
                    }
                    await Time.SleepAsync(TimeSpan.FromSeconds(1));
                });
            }
        }
        """.Replace("await stream.FlushAsync()", "await {|STR111:stream|}.FlushAsync()", StringComparison.Ordinal));

    [Fact]
    public Task ResourcesThatOutliveTheChildOrThatTheChildDoesNotUseAreNotReported() => StructuredTest.VerifyAsync("""
        class C
        {
            async Task M(Event done)
            {
                using var outer = new System.IO.MemoryStream();
                await Nursery.RunAsync(async n =>
                {
                    n.StartSoon(() => outer.FlushAsync());
                    using var stream = new System.IO.MemoryStream();
                    n.StartSoon(async () => { await stream.FlushAsync(); done.Set(); });
                    // The body waits for the child before it disposes the stream.
                    await done.WaitAsync();
                });
                await Nursery.RunAsync(async n =>
                {
                    using var unused = new System.IO.MemoryStream();
                    n.StartSoon(() => Task.CompletedTask);
                });
            }
        }
        """);
}
