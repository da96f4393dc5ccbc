using System.Text;

namespace Structured.Testing;

/// <summary>
/// The instrument of a <see cref="TestLoop"/> run: records every task step into a trace, the choices the
/// schedule made, and the live tasks (for the deadlock report). Runs on the loop thread only.
/// </summary>
internal sealed class TraceRecorder(VirtualClock clock, Schedule schedule) : IInstrument
{
    readonly List<TraceStep> _steps = [];
    readonly List<int> _choices = [];
    readonly List<int> _readyCounts = [];
    readonly HashSet<long> _started = [];
    // A set: a run may spawn many thousands of tasks, and removing from a list is O(n). Reports sort by Id.
    readonly HashSet<TaskInfo> _live = [];
    TaskInfo? _root;
    TraceStep? _current;
    List<string>? _spawned;
    Loop? _loop;

    // The choice made for the callback the loop is about to run, tagged with the loop's callback count at
    // that moment: a choice that picked a callback of no task must not be pinned on the next task step.
    int _pendingChoice = -1, _pendingReady;
    long _pendingAt = -1;

    bool _mainEnded;
    Exception? _mainError;

    /// <summary>The most steps the run may take, or null.</summary>
    internal int? MaxSteps { get; set; }

    /// <summary>The leak tracker of the run, or null when it tracks none.</summary>
    internal LeakTracker? Leaks { get; set; }

    /// <summary>The tasks spawned and not exited yet (read on the loop thread, or after the run).</summary>
    internal IEnumerable<TaskInfo> LiveTasks => _live;

    /// <summary>The Task of the test body (the main task awaits it), to name what it awaits outside the loop.</summary>
    internal Task? MainBody { get; set; }

    internal IReadOnlyList<int> Choices => _choices;

    internal RunTrace ToTrace() => new(schedule, _steps, _choices, _readyCounts);

    internal void Chose(int position, int readyCount)
    {
        _choices.Add(position);
        _readyCounts.Add(readyCount);
        _pendingChoice = position;
        _pendingReady = readyCount;
        _pendingAt = (_loop ??= Loop.Current)?.Statistics.CallbacksRun ?? -1;
    }

    /// <summary>Called by the main task's wrapper when the test body ends, on the loop thread, inside the main task's last step.</summary>
    internal void MainEnded(Exception? error)
    {
        _mainEnded = true;
        _mainError = error;
    }

    void IInstrument.TaskSpawned(TaskInfo task)
    {
        _root ??= task;
        _live.Add(task);
        Leaks?.TaskSpawned(task);
        if (_current is not null)
            (_spawned ??= []).Add(task.Name);
    }

    void IInstrument.TaskExited(TaskInfo task) => _live.Remove(task);

    void IInstrument.BeforeTaskStep(TaskInfo task)
    {
        _loop ??= task.Loop;
        int? choice = null, ready = null;
        if (_pendingChoice >= 0 && _loop is not null && _loop.Statistics.CallbacksRun == _pendingAt + 1)
        {
            choice = _pendingChoice;
            ready = _pendingReady;
        }
        _pendingChoice = -1;
        _spawned = null;
        if (_steps.Count >= MaxSteps)
            throw new StepBoundExceededException(MaxSteps.Value, task.Name);
        _current = new TraceStep(_steps.Count + 1, task, _started.Add(task.Id), clock.Now, choice, ready);
    }

    void IInstrument.AfterTaskStep(TaskInfo task)
    {
        var step = _current;
        _current = null;
        if (step is null)
            return;
        var spawned = _spawned;
        _spawned = null;
        if (ReferenceEquals(task, _root) && _mainEnded)
        {
            // The main task ends inside its last step; the loop reports its exit only after the run.
            _mainEnded = false;
            step.End(_mainError is null ? TraceStepOutcome.Finished : TraceStepOutcome.Failed, null, _mainError, spawned);
        }
        else
        {
            switch (task.State)
            {
                case TaskState.Finished:
                    var error = (task as NurseryTask)?.Error;
                    step.End(error is null ? TraceStepOutcome.Finished : TraceStepOutcome.Failed, null, error, spawned);
                    break;
                case TaskState.Blocked:
                    step.End(TraceStepOutcome.Blocked, task.WaitingOn, null, spawned);
                    break;
                default:
                    step.End(TraceStepOutcome.Yielded, null, null, spawned);
                    break;
            }
        }
        _steps.Add(step);
    }

    /// <summary>The loop's deadlock factory: every task is blocked and nothing (timer, post, outside work) can wake one.</summary>
    internal Exception MakeDeadlock(Loop loop)
    {
        var blocked = new List<string>();
        var escapes = new List<string>();
        foreach (var task in _live.OrderBy(t => t.Id))
        {
            if (task.State == TaskState.Finished)
                continue;
            blocked.Add($"'{task.Name}' waits on {task.WaitingOn ?? "something outside Structured"}");
            if (task.WaitingOn is null)
            {
                // Blocked, but in no primitive of ours: it awaits a .NET Task (Task.Delay, Task.Run, ...) that the loop
                // cannot see. Not a deadlock in the program: an escape from the test loop, with a known fix.
                var body = task is NurseryTask child ? child.BodyTask : ReferenceEquals(task, _root) ? MainBody : null;
                escapes.Add($"'{task.Name}' is {EscapeFinder.Describe(body)}.");
            }
        }
        var message = new StringBuilder();
        if (escapes.Count > 0)
        {
            message.Append("Escape from the test loop, reported as a deadlock: ")
                .Append(escapes.Count == 1 ? "a task awaits" : "tasks await")
                .Append(" work outside the loop, which the loop cannot see or wait for (on a virtual clock nothing outside runs).");
            foreach (var line in escapes)
                message.AppendLine().Append("  ").Append(line);
            message.AppendLine();
        }
        message.Append("Deadlock: every task is blocked, and no timer, post or outside work is pending that could wake one.")
            .AppendLine().Append("Blocked tasks:");
        foreach (var line in blocked)
            message.AppendLine().Append("  ").Append(line);
        string tree = loop.DumpTaskTree();
        message.AppendLine().Append("Task tree:").AppendLine().Append(tree.TrimEnd());
        return new DeadlockException(message.ToString(), tree, blocked, escapes, ToTrace());
    }
}
