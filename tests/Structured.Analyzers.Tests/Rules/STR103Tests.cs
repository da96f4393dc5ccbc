namespace AnalyzersTests;

public sealed class STR103Tests
{
    [Fact]
    public Task CatchesThatDropTheCancellationOnSomePathAreReported() => StructuredTest.VerifyAsync("""
        class C
        {
            async Task<int> M(bool flag)
            {
                try { await Time.SleepAsync(TimeSpan.FromSeconds(1)); } catch ({|STR103:Exception|}) { Console.WriteLine("failed"); }
                try { await Checkpoint.YieldAsync(); } catch ({|STR103:OperationCanceledException e|}) { if (flag) throw; Console.WriteLine(e); }
                try { await Checkpoint.YieldAsync(); } catch ({|STR103:Cancelled|}) { return 1; }
                try { await Checkpoint.YieldAsync(); } {|STR103:catch|} { }
                try { await Checkpoint.YieldAsync(); } catch ({|STR103:Exception e|}) { throw new InvalidOperationException("wrapped", e); }
                try { await Task.Delay(1, CancelScope.CurrentToken); } catch ({|STR103:OperationCanceledException|}) { }
                while (true)
                {
                    try { Checkpoint.ThrowIfCancelled(); } catch ({|STR103:SystemException|}) { break; }
                }
                return 0;
            }
        }
        """);

    [Fact]
    public Task RethrowingFilteredAndUnrelatedCatchesAreNotReported() => StructuredTest.VerifyAsync("""
        class C
        {
            async Task M()
            {
                try { await Checkpoint.YieldAsync(); } catch (Exception) { Console.WriteLine("failed"); throw; }
                try { await Checkpoint.YieldAsync(); } catch (Exception e) { Console.WriteLine(e); throw e; }
                try { await Checkpoint.YieldAsync(); } catch (Exception e) when (e is not OperationCanceledException) { }
                try { await Checkpoint.YieldAsync(); } catch (OperationCanceledException) { throw; } catch (Exception) { }
                try { await Checkpoint.YieldAsync(); } catch (InvalidOperationException) { }
                try { await Checkpoint.YieldAsync(); } catch (TaskCanceledException) { }
                // Handed on to be rethrown elsewhere.
                var error = new TaskCompletionSource();
                try { await Checkpoint.YieldAsync(); } catch (Exception e) { error.TrySetException(e); }
                try { await Checkpoint.YieldAsync(); } catch (Exception e) { var captured = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e); }
                Exception? last = null;
                try { await Checkpoint.YieldAsync(); } catch (Exception e) { last = e; }
                // The catch is for the explicit token given to the call, not for a cancel scope.
                using var cts = new CancellationTokenSource();
                try { await new AsyncLock().AcquireAsync(cts.Token); } catch (OperationCanceledException) { }
                // No cancel point in the try block: nothing to swallow.
                try { Console.WriteLine(); } catch (Exception) { }
            }
        }
        """);

    [Fact]
    public Task ACatchThatReturnsTheExceptionHandsItOn() => StructuredTest.VerifyAsync("""
        class C
        {
            static async Task<Exception?> Catch(Func<Task> body)
            {
                try { await body(); await Checkpoint.YieldAsync(); return null; }
                catch (Exception e) { return e; }
            }
        }
        """);

    [Fact]
    public Task StructuredCodeIsDecidedPerMember() => StructuredTest.VerifyAsync("""
        class C
        {
            Event ready = new();
            // Names nothing of Structured: ordinary .NET code, even in a type that uses Structured elsewhere.
            async Task Helper()
            {
                try { await Task.Delay(1); } catch (Exception) { }
            }
            async Task Waiter()
            {
                try { await ready.WaitAsync(); } catch ({|STR103:Exception|}) { }
            }
        }
        """);

    [Fact]
    public Task CodeThatDoesNotUseStructuredIsNotReported() => new StructuredTest("""
        using System;
        using System.Threading.Tasks;
        class C
        {
            async Task M()
            {
                try { await Task.Delay(1); } catch (Exception) { }
            }
        }
        """).RunAsync(TestContext.Current.CancellationToken);
}
