namespace ChannelsTests;

/// <summary>Small helpers shared by the channel tests.</summary>
internal static class ChannelTestHelpers
{
    /// <summary>Lets every runnable task advance a few steps (FIFO loop) without moving the clock.</summary>
    internal static async Task Settle(int yields = 10)
    {
        for (int i = 0; i < yields; i++)
            await Checkpoint.YieldAsync();
    }

    /// <summary>Runs <paramref name="body"/> in a scope that is cancelled before the body starts.</summary>
    internal static async Task<Exception?> InCancelledScope(Func<Task> body)
    {
        var scope = new CancelScope();
        Exception? error = null;
        await scope.RunAsync(async () =>
        {
            scope.Cancel("test");
            error = await Catch(body);
        });
        return error;
    }

    /// <summary>Catches what a synchronous call throws.</summary>
    internal static Exception? CatchSync(Action body)
    {
        try
        {
            body();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
