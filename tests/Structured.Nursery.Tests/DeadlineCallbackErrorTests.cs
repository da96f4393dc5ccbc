namespace NurseryTests;

/// <summary>A token callback that throws when a scope's deadline fires: the error reaches the scope's task, never a pool thread.</summary>
public class DeadlineCallbackErrorTests
{
    [Fact]
    public void Off_the_loop_the_error_comes_out_of_the_scope_that_fired()
    {
        OffLoop(async () =>
        {
            var scope = new CancelScope();
            var error = await Catch(() => scope.RunAsync(async () =>
            {
                // Registered before the deadline is set, so the callback runs when it fires (by a system timer here,
                // or in the setter should the millisecond pass first: an error of the body either way).
                scope.Token.Register(() => throw new FormatException("registration failed"));
                scope.Deadline = Time.Now + TimeSpan.FromMilliseconds(1);
                await Time.SleepForeverAsync();
            }));
            var aggregate = Assert.IsType<AggregateException>(error);
            Assert.Contains(aggregate.Flatten().InnerExceptions, e => e is FormatException);
            Assert.True(scope.CancelCalled);
        });
    }

    [Fact]
    public void On_the_loop_the_error_comes_out_of_the_scope_that_fired_and_the_scope_still_ends_its_body()
    {
        Run(async () =>
        {
            var scope = CancelScope.MoveOnAfter(S(1));
            bool bodyCancelled = false;
            var error = await Catch(() => scope.RunAsync(async () =>
            {
                scope.Token.Register(() => throw new FormatException("registration failed"));
                try { await Time.SleepForeverAsync(); }
                catch (Cancelled) { bodyCancelled = true; throw; }
            }));
            Assert.True(bodyCancelled);
            Assert.Contains(Assert.IsType<AggregateException>(error).Flatten().InnerExceptions, e => e is FormatException);
        });
    }
}
