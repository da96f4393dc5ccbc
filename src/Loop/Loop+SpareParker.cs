using System.Diagnostics;

namespace Structured;

// Loop, part: the spare parker that a nursery's children borrow for their first step (issue 24, docs/performance.md,
// "The thread-pool path": W1 332 -> 196 B per child).
public sealed partial class Loop
{
    // The task that owns the spare parker while no first step borrows it, and that spare.
    TaskInfo? _detached;
    Parker? _spareParker;

    /// <summary>
    /// Lends the loop's spare parker to <paramref name="task"/>, which has none, for its first step, and installs it as
    /// the step's SynchronizationContext. Loop thread only. Most children of a nursery that spawns many (W1) end in their
    /// first step without blocking: they hand the parker back (<see cref="ReturnSpareParker"/>) and the next child's
    /// first step borrows it, so such a child costs no parker. A task that outlives its first step keeps the parker as
    /// its own, exactly as if it had been made with the task (what it captured stays its context), and the loop makes
    /// a new spare. A context captured in a first step that ended (a fire-and-forget <c>_ = FooAsync()</c> in a child
    /// that returned at once) names the loop's detached task afterwards: its continuation runs as loop work of no
    /// nursery, as a continuation of a finished task would.
    /// </summary>
    internal Parker LendSpareParker(TaskInfo task)
    {
        Debug.Assert(IsOnLoopThread && !task.HasParker);
        var spare = _spareParker;
        if (spare is null)
        {
            _detached ??= new TaskInfo("(detached)", this, parkerOnFirstStep: true);
            spare = _spareParker = new Parker(_detached);
        }
        task.BorrowParker(spare);
        SynchronizationContext.SetSynchronizationContext(spare);
        _installedContext = spare;
        return spare;
    }

    /// <summary>After the first step of a task that borrowed the spare: takes it back if the task finished and nothing holds it, else the task keeps it.</summary>
    internal void ReturnSpareParker(TaskInfo task, Parker spare)
    {
        Debug.Assert(IsOnLoopThread);
        if (!task.TryReturnParker(spare, _detached!))
        {
            _spareParker = null;
            return;
        }
        // What runs before the next step (a due timer, a deadline's token callbacks) sees the loop, not the detached task.
        SynchronizationContext.SetSynchronizationContext(_rootContext);
        _installedContext = _rootContext;
    }
}
