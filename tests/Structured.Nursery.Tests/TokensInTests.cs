namespace NurseryTests;

/// <summary>Outside CancellationTokens linked into scopes, nurseries, sleeps and checkpoints; ValueTask bodies.</summary>
public class TokensInTests
{
    [Fact]
    public void CancelWhen_cancels_the_scope_with_a_reason_that_names_the_token_and_the_scope_catches_it()
    {
        var (caught, reason, message) = Run(async () =>
        {
            using var outside = new CancellationTokenSource();
            var scope = new CancelScope().CancelWhen(outside.Token);
            string? seen = null;
            await scope.RunAsync(async () =>
            {
                await Checkpoint.YieldAsync();
                outside.Cancel();
                try { await Time.SleepForeverAsync(); }
                catch (Cancelled e) { seen = e.Message; throw; }
            });
            return (scope.CancelledCaught, scope.CancelReason, seen);
        });
        Assert.True(caught);
        Assert.Contains("CancellationToken given to CancelScope.CancelWhen", reason, StringComparison.Ordinal);
        Assert.Contains("CancelScope.CancelWhen", message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_token_constructor_links_too_and_a_custom_reason_is_kept()
    {
        Run(async () =>
        {
            using var stopping = new CancellationTokenSource();
            stopping.Cancel();
            var scope = new CancelScope(stopping.Token);
            Assert.True(scope.CancelCalled);
            await scope.RunAsync(() => Time.SleepForeverAsync());
            Assert.True(scope.CancelledCaught);

            using var other = new CancellationTokenSource();
            var named = CancelScope.MoveOnAfter(S(10)).CancelWhen(other.Token, "the host is stopping");
            await named.RunAsync(async () => { other.Cancel(); await Time.SleepForeverAsync(); });
            Assert.Equal("the host is stopping", named.CancelReason);
        });
    }

    [Fact]
    public void A_token_cancelled_from_another_thread_reaches_a_scope_on_the_loop()
    {
        bool caught = Run(async () =>
        {
            using var outside = new CancellationTokenSource();
            var scope = new CancelScope().CancelWhen(outside.Token);
            await scope.RunAsync(async () =>
            {
                await ToThread.RunAsync(() => { outside.Cancel(); return 0; });
                await Time.SleepForeverAsync();
            });
            return scope.CancelledCaught;
        });
        Assert.True(caught);
    }

    [Fact]
    public void CancelWhen_on_a_scope_that_has_run_throws_and_the_link_ends_at_exit()
    {
        Run(async () =>
        {
            using var outside = new CancellationTokenSource();
            var scope = new CancelScope().CancelWhen(outside.Token);
            await scope.RunAsync(() => Task.CompletedTask);
            outside.Cancel();
            Assert.False(scope.CancelCalled);
            var error = Assert.Throws<InvalidOperationException>(() => scope.CancelWhen(CancellationToken.None));
            Assert.Contains("already run", error.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Nursery_RunAsync_with_a_token_cancels_every_child_and_returns_normally()
    {
        var (cancelled, reason) = Run(async () =>
        {
            using var outside = new CancellationTokenSource();
            int count = 0;
            string? why = null;
            await Nursery.RunAsync(nursery =>
            {
                for (int i = 0; i < 3; i++)
                {
                    nursery.StartSoon(async () =>
                    {
                        try { await Time.SleepForeverAsync(); }
                        catch (Cancelled e) { count++; why = e.Reason; throw; }
                    });
                }
                nursery.StartSoon(async () => { await Time.SleepAsync(S(1)); outside.Cancel(); });
                return Task.CompletedTask;
            }, outside.Token);
            return (count, why);
        });
        Assert.Equal(3, cancelled);
        Assert.Contains("Nursery.RunAsync", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Sleeps_and_checkpoints_honour_a_token_as_any_NET_API_does()
    {
        Run(async () =>
        {
            using var outside = new CancellationTokenSource(S(2), Loop.Current!.Clock);
            var start = Time.Now;
            var error = await Catch(() => Time.SleepAsync(S(60), outside.Token).AsTask());
            Assert.IsType<OperationCanceledException>(error, exactMatch: false);
            Assert.Equal(outside.Token, ((OperationCanceledException)error!).CancellationToken);
            Assert.Equal(S(2), Time.Now - start);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Checkpoint.YieldAsync(outside.Token).AsTask());
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Time.SleepForeverAsync(outside.Token).AsTask());
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Time.SleepUntilAsync(Time.Now + S(1), outside.Token).AsTask());
            await Time.SleepAsync(S(1), CancellationToken.None);
        });
    }

    static ValueTask SomeValueTaskAsync() => Time.SleepAsync(S(1));

    static async ValueTask<int> ValueAsync()
    {
        await Time.SleepAsync(S(1));
        return 42;
    }

    [Fact]
    public void ValueTask_bodies_work_everywhere_without_AsTask_and_async_lambdas_stay_unambiguous()
    {
        var (value, ran, timedOut) = Run(async () =>
        {
            int children = 0;
            var scope = CancelScope.MoveOnAfter(S(5));
            await scope.RunAsync(() => Time.SleepForeverAsync());
            Assert.True(scope.CancelledCaught);
            int v = await new CancelScope().RunAsync(() => ValueAsync());
            await Nursery.RunAsync(async nursery =>
            {
                nursery.StartSoon(() => SomeValueTaskAsync(), "value task");
                nursery.StartSoon(async () => { await SomeValueTaskAsync(); children++; });
                nursery.StartSoon(token => Time.SleepAsync(S(1), token));
                nursery.StartSoon(async token => { await Task.Delay(S(1), Loop.Current!.Clock, token); children++; });
                await Time.SleepAsync(S(2));
            });
            await Nursery.RunAsync(nursery => SomeValueTaskAsync());
            var failed = await Catch(() => CancelScope.FailAfter(S(1), () => Time.SleepForeverAsync()));
            await CancelScope.FailAt(Time.Now + S(5), () => SomeValueTaskAsync());
            return (v, children, failed);
        });
        Assert.Equal(42, value);
        Assert.Equal(2, ran);
        Assert.IsType<TimeoutException>(timedOut);
    }
}
