namespace Structured;

/// <summary>
/// A <see cref="TaskScheduler"/> that runs tasks on the loop thread, through the ready queue: what
/// <c>Task.Factory.StartNew(f, ..., loop.Scheduler)</c> uses.
/// </summary>
internal sealed class LoopTaskScheduler(Loop loop) : TaskScheduler
{
    public override int MaximumConcurrencyLevel => 1;

    protected override void QueueTask(Task task)
        => loop.Enqueue(TaskInfo.CurrentOrNull is { Loop: { } l } current && l == loop ? current : null,
            static s => ((ExecuteAction)s!).Run(), new ExecuteAction(this, task));

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued)
        => !taskWasPreviouslyQueued && loop.IsOnLoopThread && TryExecuteTask(task);

    protected override IEnumerable<Task>? GetScheduledTasks() => null;

    sealed class ExecuteAction(LoopTaskScheduler scheduler, Task task)
    {
        public void Run() => scheduler.TryExecuteTask(task);
    }
}
