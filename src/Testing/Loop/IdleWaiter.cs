namespace Structured.Testing;

/// <summary>What a task in <see cref="TestLoop.WaitAllTasksBlockedAsync"/> waits on: the loop going idle.</summary>
internal sealed class IdleWaiter : IParkWaiter
{
    internal static readonly IdleWaiter Instance = new();

    public string Describe() => "TestLoop.WaitAllTasksBlockedAsync";

    // Cancellation of a loop task runs on its loop thread, the only thread that touches the idle waiters.
    public void Abort(Parker parker) => parker.Task.Loop?.RemoveIdleWaiter(parker);
}
