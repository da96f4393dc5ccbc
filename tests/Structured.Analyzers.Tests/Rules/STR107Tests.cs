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
                {|STR107:_ = Time.SleepAsync(TimeSpan.FromSeconds(1));|}
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
            }
        }
        """);
}
