using System.Runtime.ExceptionServices;

namespace Structured;

public sealed partial class Loop
{
    // The callback of the ready-queue entry that stands for a spawner preempted at its spawn. It is never invoked:
    // YieldAtSpawn takes the entry out of the queue itself when the schedule picks it.
    static readonly Action<object?> s_spawnerResumes = static _ => { };

    // The marker (the entry's state) of the innermost spawner preempted at its spawn, or null when none is.
    object? _preemptedSpawner;

    /// <summary>Whether every spawn is a schedule point of the spawner (<see cref="LoopOptions.YieldAtSpawn"/>): read by the nursery's spawn.</summary>
    internal bool YieldsAtSpawn { get; }

    /// <summary>
    /// Called by a spawn into a nursery when <see cref="YieldsAtSpawn"/> is set: preempts the running task right after
    /// its spawn, as <c>pthread_create</c> and Coyote's <c>Task.Run</c> are scheduling points. The spawner's step ends
    /// as if it had yielded (it is queued at the back of the ready queue, and the schedule and the instruments see a
    /// yield); then this loop runs the steps the schedule picks (through <see cref="RunOne"/>), the new child's or any other ready task's, inside
    /// this call, until the schedule picks the spawner again, and returns into the spawner's code as a new step.
    /// </summary>
    /// <remarks>
    /// <para>The code after <c>StartSoon</c> is synchronous, so the steps run nested, on the spawner's stack: a spawn
    /// inside such a step nests again. While a spawner is nested inside another's preemption, the outer spawner cannot
    /// go on before it (the stack unwinds innermost first): its entry leaves the ready queue and comes back at the back
    /// of it once the inner spawner resumes. Deterministic like any step, so runs replay by their choices.</para>
    /// <para>Only a task's own step on this loop is preempted; a spawn from a loop callback or off the loop is not.
    /// A failure of a nested step (or of the schedule) ends the nesting; the loop reports it once the spawner's step
    /// ends, as it would after any step.</para>
    /// </remarks>
    internal void YieldAtSpawn()
    {
        if (_crash is not null || !IsOnLoopThread || TaskInfo.CurrentOrNull is not { } spawner
            || !ReferenceEquals(spawner.Loop, this) || spawner.State != TaskState.Running)
            return;
        var flow = ExecutionContext.Capture();
        var outer = TakeSpawnerEntry(_preemptedSpawner);
        var previous = _preemptedSpawner;
        var marker = new object();
        _preemptedSpawner = marker;
        EnqueueLocal(new WorkItem(spawner, s_spawnerResumes, marker, StructuredMetrics.NoTimestamp));
        NotifyInstruments(spawner, afterStep: true);
        while (_crash is null)
        {
            int position = 0;
            try
            {
                if (_policy is not null && _ready.Count > 1)
                    position = _policy.Choose(_ready);
            }
            catch (Exception e)
            {
                _crash ??= ExceptionDispatchInfo.Capture(e);
                break;
            }
            if (ReferenceEquals(_ready.StateAt(position), marker))
            {
                _ready.RemoveAt(position);
                break;
            }
            // RunOne runs the step as the run loop would, told the position the strategy already chose.
            if (_policy is not null && _ready.Count > 1)
                _policy.Decided(position);
            RunOne(StructuredMetrics.StepsMeasured);
        }
        // After a failure the spawner's entry may still be queued: it goes on now, so it must not run again.
        TakeSpawnerEntry(marker);
        _preemptedSpawner = previous;
        if (outer is { } entry)
            _ready.Enqueue(entry);

        // The spawner's code goes on as a new step, begun as RunStep begins one.
        if (spawner.State == TaskState.Runnable)
            _tasksRunnable--;
        spawner.State = TaskState.Running;
        var context = (SynchronizationContext?)spawner.Context ?? _rootContext;
        SynchronizationContext.SetSynchronizationContext(context);
        _installedContext = context;
        if (flow is not null)
            ExecutionContext.Restore(flow);
        _callbacksRun++;
        _cachedClockReadsLeft = 0;
        NotifyInstruments(spawner, afterStep: false);
    }

    /// <summary>Takes the entry of the preempted spawner <paramref name="marker"/> out of the ready queue, if it is there.</summary>
    WorkItem? TakeSpawnerEntry(object? marker)
    {
        if (marker is null)
            return null;
        for (int i = 0; i < _ready.Count; i++)
        {
            if (ReferenceEquals(_ready.StateAt(i), marker))
                return _ready.RemoveAt(i);
        }
        return null;
    }

    /// <summary>The instruments' end (or beginning) of a step of <paramref name="task"/>; a throw ends the run as a step's would.</summary>
    void NotifyInstruments(TaskInfo task, bool afterStep)
    {
        try
        {
            foreach (var instrument in _instruments)
            {
                if (afterStep)
                    instrument.AfterTaskStep(task);
                else
                    instrument.BeforeTaskStep(task);
            }
        }
        catch (Exception e)
        {
            _crash ??= ExceptionDispatchInfo.Capture(e);
        }
    }
}
