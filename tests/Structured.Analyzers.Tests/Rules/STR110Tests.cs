namespace AnalyzersTests;

public sealed class STR110Tests
{
    [Fact]
    public Task StartablesWithAPathThatSkipsStartedAreReported() => StructuredTest.VerifyAsync("""
        class C
        {
            async Task Serve(IStarted {|STR110:started|}, bool ready)
            {
                if (ready)
                {
                    started.Started();
                }
                await Checkpoint.YieldAsync();
            }
            async Task Never(IStarted<int> {|STR110:started|})
            {
                while (true) { await Time.SleepAsync(TimeSpan.FromSeconds(1)); }
            }
            async Task M(Nursery nursery, bool flag)
            {
                await nursery.StartAsync(async {|STR110:started|} =>
                {
                    if (flag) return;
                    started.Started();
                    await Checkpoint.YieldAsync();
                });
            }
        }
        """);

    [Fact]
    public Task StartablesThatCallStartedOnEveryPathOrHandItOnAreNotReported() => StructuredTest.VerifyAsync("""
        class C
        {
            static Task Inner(IStarted started) { started.Started(); return Task.CompletedTask; }
            async Task Serve(IStarted<int> started, bool ready)
            {
                if (!ready)
                {
                    throw new InvalidOperationException("not ready");
                }
                started.Started(42);
                await Checkpoint.YieldAsync();
            }
            async Task Both(IStarted started, bool ready)
            {
                if (ready) { started.Started(); } else { started.Started(); }
                while (true) { await Time.SleepAsync(TimeSpan.FromSeconds(1)); }
            }
            Task Delegates(IStarted started) => Inner(started);
            async Task Finally(IStarted started)
            {
                try { await Checkpoint.YieldAsync(); } finally { started.Started(); }
            }
            // Also runs without StartAsync: started?.Started() is the contract.
            async Task Optional(IStarted<int>? started = null) { started?.Started(1); await Time.SleepForeverAsync(); }
            async Task M(Nursery nursery)
            {
                await nursery.StartAsync(async started => { started.Started(); await Time.SleepForeverAsync(); });
                // Fails before Started on every path: the error comes out of StartAsync.
                await nursery.StartAsync(async started => { await Checkpoint.YieldAsync(); throw new InvalidOperationException(); });
                await nursery.StartAsync(started => Inner(started));
                // Started in a body that a scope runs in place.
                await nursery.StartAsync(async started =>
                    await new CancelScope().RunAsync(async () => { started.Started(); await Checkpoint.YieldAsync(); }));
            }
        }
        """);
}
