namespace AnalyzersTests;

public sealed class STR108Tests
{
    [Fact]
    public Task LoopsThatOnlySleepWhilePollingAreReported() => StructuredTest.VerifyAsync("""
        class C
        {
            bool ready;
            async Task M()
            {
                {|STR108:while|} (!ready) { await Time.SleepAsync(TimeSpan.FromMilliseconds(10)); }
                {|STR108:while|} (!ready) await Task.Delay(10);
                {|STR108:do|} { await Time.SleepAsync(TimeSpan.FromMilliseconds(10)); } while (!ready);
            }
        }
        """);

    [Fact]
    public Task TimersAndLoopsThatDoWorkAreNotReported() => StructuredTest.VerifyAsync("""
        class C
        {
            bool ready;
            async Task M(Event changed)
            {
                while (true) { await Time.SleepAsync(TimeSpan.FromSeconds(1)); }
                while (!ready) { Console.WriteLine("tick"); await Time.SleepAsync(TimeSpan.FromSeconds(1)); }
                while (!ready) { await changed.WaitAsync(); }
            }
        }
        """);
}
