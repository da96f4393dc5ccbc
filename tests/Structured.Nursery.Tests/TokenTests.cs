namespace NurseryTests;

public class TokenTests
{
    [Fact]
    public void A_scope_token_is_cancelled_exactly_when_the_scope_is_and_respects_shields()
    {
        Run(async () =>
        {
            var outer = new CancelScope();
            await outer.RunAsync(async () =>
            {
                var shielded = new CancelScope(shield: true);
                await shielded.RunAsync(async () =>
                {
                    var token = CancelScope.CurrentToken;
                    outer.Cancel();
                    Assert.False(token.IsCancellationRequested);
                    shielded.Cancel();
                    Assert.True(token.IsCancellationRequested);
                    await Checkpoint.YieldAsync();
                });
                Assert.True(outer.Token.IsCancellationRequested);
            });
        });
    }

    [Fact]
    public void Handing_the_token_to_NET_APIs_unblocks_them_and_the_scope_catches_their_cancellation()
    {
        var scope = CancelScope.MoveOnAfter(S(5));
        TimeSpan end = default;
        Run(async () =>
        {
            var start = Time.Now;
            await scope.RunAsync(async () =>
            {
                var never = new TaskCompletionSource();
                await never.Task.WaitAsync(CancelScope.CurrentToken);
            });
            end = Time.Now - start;
        });
        Assert.True(scope.CancelledCaught);
        Assert.Equal(S(5), end);
    }

    [Fact]
    public void A_socket_receive_with_the_scope_token_unblocks_on_cancel()
    {
        var scope = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(50));
        OffLoop(async () =>
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, ((System.Net.IPEndPoint)listener.LocalEndpoint).Port);
            using var server = await listener.AcceptTcpClientAsync();
            await scope.RunAsync(async () =>
            {
                var buffer = new byte[16];
                _ = await client.GetStream().ReadAsync(buffer, CancelScope.CurrentToken);
            });
        });
        Assert.True(scope.CancelledCaught);
    }

    [Fact]
    public void An_explicit_token_is_honoured_and_is_not_swallowed_by_a_scope()
    {
        Exception? e = null;
        Run(async () =>
        {
            using var cts = new CancellationTokenSource(S(2), Loop.Current!.Clock);
            e = await Catch(async () => await new Event().WaitAsync(cts.Token));
        });
        var oce = Assert.IsAssignableFrom<OperationCanceledException>(e);
        Assert.IsNotType<Cancelled>(oce);
    }

    [Fact]
    public void The_token_overload_of_StartSoon_ends_quietly_when_the_nursery_is_cancelled()
    {
        Exception? e = null;
        Run(async () =>
        {
            e = await Catch(() => Nursery.RunAsync(async n =>
            {
                n.StartSoon(async ct => await Task.Delay(Timeout.InfiniteTimeSpan, ct));
                await Time.SleepAsync(S(1));
                n.CancelScope.Cancel();
            }));
        });
        Assert.Null(e);
    }
}
