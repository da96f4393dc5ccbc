namespace SyncTests;

/// <summary>Helpers shared by the sync tests, on top of the linked LoopHarness.</summary>
internal static class SyncHarness
{
    /// <summary>Lets every runnable task advance (FIFO loop) without moving the clock.</summary>
    internal static async Task Settle(int yields = 20)
    {
        for (int i = 0; i < yields; i++)
            await Checkpoint.YieldAsync();
    }

    /// <summary>Runs <paramref name="body"/> and returns what it threw synchronously, or null.</summary>
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

    /// <summary>Runs an off-loop scenario on the thread pool with a bounded real-time watchdog.</summary>
    internal static void OffLoopWithin(TimeSpan limit, Func<Task> body)
    {
        var task = Task.Run(body);
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(limit))
            throw new TimeoutException($"off-loop scenario did not finish within {limit} of real time (hang or deadlock)");
        task.GetAwaiter().GetResult();
    }
}
