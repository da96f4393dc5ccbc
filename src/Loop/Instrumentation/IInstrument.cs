namespace Structured;

/// <summary>
/// Hooks into the loop's life (Trio's <c>trio.abc.Instrument</c>): implement the methods you need, the
/// others do nothing. Pass instruments in <see cref="LoopOptions.Instruments"/>.
/// </summary>
/// <remarks>
/// Hooks run on the loop thread, synchronously, inside the loop: keep them short and do not block. An
/// exception thrown by a hook ends <see cref="Loop.Run(Func{Task}, LoopOptions?)"/> with that exception.
/// </remarks>
public interface IInstrument
{
    /// <summary>Called once when the loop starts, before <c>main</c> runs.</summary>
    void BeforeRun() { }

    /// <summary>Called once when the loop ends, after <c>main</c> and everything under it finished.</summary>
    void AfterRun() { }

    /// <summary>Called when a task is created (spawned into a nursery, or the main task).</summary>
    void TaskSpawned(TaskInfo task) { }

    /// <summary>Called when a task becomes ready to run: spawned, woken, or yielding.</summary>
    void TaskScheduled(TaskInfo task) { }

    /// <summary>Called just before the loop runs one step of <paramref name="task"/>.</summary>
    void BeforeTaskStep(TaskInfo task) { }

    /// <summary>Called just after one step of <paramref name="task"/> returned to the loop.</summary>
    void AfterTaskStep(TaskInfo task) { }

    /// <summary>Called when a task has finished, with or without an error.</summary>
    void TaskExited(TaskInfo task) { }

    /// <summary>Called before the loop waits for work; <paramref name="timeout"/> is how long it will wait at most (<see cref="Timeout.InfiniteTimeSpan"/>: until a post).</summary>
    void BeforeIdle(TimeSpan timeout) { }

    /// <summary>Called after the loop waited for work.</summary>
    void AfterIdle(TimeSpan timeout) { }
}
