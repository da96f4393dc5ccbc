namespace AnalyzersTests;

public sealed class STR102Tests
{
    [Fact]
    public Task CheckpointsInFinallyAndInCatchOfCancellationAreReported() => StructuredTest.VerifyAsync("""
        class C
        {
            async Task M(Event done)
            {
                try { await Time.SleepAsync(TimeSpan.FromSeconds(1)); }
                catch (Cancelled) { {|STR102:await Time.SleepAsync(TimeSpan.FromSeconds(1))|}; throw; }
                finally { {|STR102:await done.WaitAsync()|}; }
                try { await Task.Delay(1, CancelScope.CurrentToken); }
                catch (OperationCanceledException) { {|STR102:await Task.Delay(1, CancelScope.CurrentToken)|}; throw; }
                finally
                {
                    // An unshielded scope run in the finally block is still cancelled from outside.
                    await CancelScope.MoveOnAfter(TimeSpan.FromSeconds(1)).RunAsync(async () => {|STR102:await Checkpoint.YieldAsync()|});
                }
            }
        }
        """);

    [Fact]
    public Task ShieldedScopesOrdinaryAwaitsAndLaterLambdasAreNotReported() => StructuredTest.VerifyAsync("""
        class C
        {
            async Task M(Nursery nursery, System.IO.Stream stream)
            {
                try { await Time.SleepAsync(TimeSpan.FromSeconds(1)); }
                catch (InvalidOperationException) { await Time.SleepAsync(TimeSpan.FromSeconds(1)); }
                finally
                {
                    await new CancelScope(TimeSpan.FromSeconds(5), shield: true).RunAsync(async () => await Checkpoint.YieldAsync());
                    await new CancelScope { Shield = true }.RunAsync(async () => await Checkpoint.YieldAsync());
                    var scope = new CancelScope(null, true);
                    await scope.RunAsync(async () => await Checkpoint.YieldAsync());
                    var later = new CancelScope();
                    later.Shield = true;
                    await later.RunAsync(async () => await Time.SleepAsync(TimeSpan.FromSeconds(1)));
                    // Not a cancel point: an ordinary task does not see the cancel scope.
                    await stream.FlushAsync();
                    // Runs later, in the child, not in this finally block.
                    nursery.StartSoon(async () => await Checkpoint.YieldAsync());
                    // Not public API of Structured: the library's own helpers shield themselves where needed.
                    await Structured.Internal.Helper.CleanUpAsync();
                }
            }
        }
        namespace Structured.Internal
        {
            internal static class Helper { internal static Task CleanUpAsync() => Task.CompletedTask; }
        }
        """);
}
