namespace Structured;

/// <summary>What a sleeping task waits on: its timer, removed when something else wakes it.</summary>
internal sealed class SleepWaiter : IParkWaiter
{
    internal static readonly SleepWaiter Timed = new("Time.SleepAsync");
    internal static readonly SleepWaiter Forever = new("Time.SleepForeverAsync");

    readonly string _description;

    SleepWaiter(string description) => _description = description;

    public string Describe() => _description;

    public void Abort(Parker parker)
    {
        if (parker.Payload is OffLoopSleepTimer timer)
            timer.Disarm();
        else
            parker.Task.Loop?.RemoveTimer(parker); // loop tasks are aborted on the loop thread only
    }
}
