namespace AnalyzersTests;

public sealed class STR106Tests
{
    [Fact]
    public Task BlockingCallsInAsyncCodeAreReported() => StructuredTest.VerifyAsync("""
        class C
        {
            async Task<int> M(Task<int> work, Task other)
            {
                {|STR106:Thread.Sleep(10)|};
                {|STR106:other.Wait()|};
                {|STR106:Task.WaitAll(other)|};
                var a = {|STR106:work.Result|};
                var b = {|STR106:work.GetAwaiter().GetResult()|};
                await Checkpoint.YieldAsync();
                return a + b;
            }
        }
        """);

    [Fact]
    public Task CompletedTasksAndSynchronousCodeAreNotReported() => StructuredTest.VerifyAsync("""
        class C
        {
            async Task<int> M(Task<int> first, Task<int> second)
            {
                await Task.WhenAll(first, second);
                await Checkpoint.YieldAsync();
                return first.Result + second.GetAwaiter().GetResult();
            }
            // Not async: the caller chose to block (for example a Main that starts the Loop).
            int N(Task<int> work) { Checkpoint.ThrowIfCancelled(); Thread.Sleep(1); return work.Result; }
        }
        """);
}
