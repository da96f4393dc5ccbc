namespace AnalyzersTests;

public sealed class STR107Tests
{
    [Fact]
    public Task DiscardedTasksAreReported() => StructuredTest.VerifyAsync("""
        class C
        {
            static Task Work() => Task.CompletedTask;
            async Task M()
            {
                {|STR107:_ = Task.Run(() => Console.WriteLine());|}
                {|STR107:_ = Work();|}
                await Checkpoint.YieldAsync();
            }
            void N()
            {
                Checkpoint.ThrowIfCancelled();
                {|STR107:Work();|}
            }
        }
        """);

    [Fact]
    public Task AwaitedStoredAndStartedTasksAreNotReported() => StructuredTest.VerifyAsync("""
        class C
        {
            static Task Work() => Task.CompletedTask;
            async Task M(Nursery nursery, TaskCompletionSource done)
            {
                await Task.Run(() => Console.WriteLine());
                var pending = Work();
                nursery.StartSoon(Work);
                await ToThread.RunAsync(() => Console.WriteLine());
                _ = done.Task;
                await pending;
                // A dropped ValueTask is CA2012's business.
                _ = Time.SleepAsync(TimeSpan.FromSeconds(1));
                // A probe of the call's synchronous argument checks, as in Assert.Throws(() => { _ = F(bad); }).
                Probe(() => { _ = Task.Run(() => { }); });
            }
            static void Probe(Action action) => action();
        }
        """);
}
