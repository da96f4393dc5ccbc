using System.Diagnostics;

namespace Structured;

/// <summary>
/// A task of Structured: the unit that a nursery starts and waits for (Trio's <c>trio.lowlevel.Task</c>).
/// Read <see cref="Current"/> for the running one; the loop's <see cref="Loop.DumpTaskTree"/> shows them all.
/// </summary>
/// <remarks>
/// A task runs on the loop it was started on (<see cref="Loop"/>), or on the .NET thread pool when it was
/// started off the loop. Its parent nursery is <c>TaskInfo.Parent</c> (an extension property of
/// Structured.Nursery). Instances are created by the library only.
/// </remarks>
[DebuggerDisplay("{Name,nq} ({State})")]
public class TaskInfo
{
    static long s_nextId;

    // Off the loop there is no per-task SynchronizationContext, so the running flow names its task in an AsyncLocal: the
    // task itself, or the flow's innermost cancel scope (an IFlowScope, which names the task that entered it). One
    // AsyncLocal for both, not one each: entering a scope then copies an ExecutionContext with one entry fewer, 16 B less
    // per scope (docs/decisions/0007 and 0014; docs/performance.md, "The thread-pool path"). On the loop it holds the flow's scope.
    static readonly AsyncLocal<object?> s_flow = new();

    // Fields are few on purpose: a task is allocated per spawn (workload W1 counts its bytes). A loop task's parker is its
    // SynchronizationContext (Parker+SynchronizationContext.cs): made with the task, or, for a nursery's child, lent by
    // the loop for its first step and kept only if the task outlives that step (Loop.LendSpareParker). Off the loop, made
    // on first block.
    Parker? _parker;
    // A byte, so that SelectTurn fits beside it and BudgetUsed in the 8 bytes the int state had: a task costs no more.
    byte _state;

    // The name once known, or what to name the task after when asked: a delegate (reflection is slow), or an object
    // whose ToString() is the name (a request's root task: "request GET /x" is built only when read).
    object? _nameOrSource;

    /// <summary>Creates a task; <paramref name="loop"/> is null for a task that runs on the thread pool.</summary>
    /// <param name="name">The name, or null to name the task after <see cref="NameSource"/> when first asked.</param>
    /// <param name="loop">The loop the task runs on, null for the thread pool.</param>
    /// <param name="parkerOnFirstStep">A loop task whose first step borrows the loop's spare parker (<see cref="Loop.LendSpareParker"/>): no parker is made now.</param>
    internal TaskInfo(string? name, Loop? loop, bool parkerOnFirstStep = false)
    {
        _nameOrSource = name;
        Id = Interlocked.Increment(ref s_nextId);
        Loop = loop;
        if (loop is not null && !parkerOnFirstStep)
            _parker = new Parker(this);
    }

    /// <summary>The task's name: the one given to <c>StartSoon</c>, or the name of the delegate's method.</summary>
    public string Name
    {
        get
        {
            if (_nameOrSource is string name)
                return name;
            name = _nameOrSource is null or Delegate ? NameOf(_nameOrSource as Delegate, Id) : _nameOrSource.ToString() ?? $"task-{Id}";
            _nameOrSource = name;
            return name;
        }
    }

    /// <summary>Whether the task was given a name (read before anything asks for <see cref="Name"/>: tracing follows named tasks).</summary>
    internal bool HasGivenName => _nameOrSource is string;

    /// <summary>What a task without a given name is named after, when first asked: a delegate (its method's name), or any other object (its ToString()).</summary>
    internal object? NameSource
    {
        set
        {
            if (_nameOrSource is null)
                _nameOrSource = value;
        }
    }

    /// <summary>Hook of Structured.Nursery: appends a task's cancel scopes, nurseries and children to a tree dump.</summary>
    internal static Action<TaskInfo, System.Text.StringBuilder, string>? DescribeScopes;

    /// <summary>A number unique in this process, in spawn order.</summary>
    public long Id { get; }

    /// <summary>The loop the task runs on, or null for a task on the thread pool.</summary>
    public Loop? Loop { get; }

    /// <summary>Where the task is in its life.</summary>
    public TaskState State
    {
        get => (TaskState)Volatile.Read(ref _state);
        internal set => Volatile.Write(ref _state, (byte)value);
    }

    /// <summary>What the task is blocked on ("Time.SleepAsync", "Event.WaitAsync", ...), or null when it is not blocked.</summary>
    public string? WaitingOn => State == TaskState.Blocked ? _parker?.Waiter?.Describe() ?? DescribeWaitWithoutParker?.Invoke(this) : null;

    /// <summary>Hook of Structured.Nursery: what an off-loop task waits on when it waits without its parker (a nursery's join), or null.</summary>
    internal static Func<TaskInfo, string?>? DescribeWaitWithoutParker;

    /// <summary>
    /// The task that is running this code. Code that runs outside any task of Structured (on a thread of
    /// its own, or in a loop callback) gets a fresh task object named "(external)" that belongs to nothing.
    /// </summary>
    public static TaskInfo Current => CurrentOrNull ?? new TaskInfo("(external)", null);

    /// <summary>The running task, or null outside any task.</summary>
    internal static TaskInfo? CurrentOrNull
        => SynchronizationContext.Current is Parker context ? context.Task : OffLoopTaskOf(s_flow.Value);

    // A scope names its task only off the loop: a loop task's scope seen on another thread (a ConfigureAwait(false)
    // continuation) is outside any task there, as it was when the off-loop task had an AsyncLocal of its own.
    static TaskInfo? OffLoopTaskOf(object? flow) => flow switch
    {
        TaskInfo task => task,
        IFlowScope scope when scope.FlowTask is { Loop: null } owner => owner,
        _ => null,
    };

    /// <summary>Makes <paramref name="task"/> current for the rest of this execution context (off the loop); the flow is in no scope of its own.</summary>
    internal static void SetOffLoopCurrent(TaskInfo? task) => s_flow.Value = task;

    /// <summary>
    /// The running flow's value: an off-loop task (<see cref="SetOffLoopCurrent"/>), or the flow's innermost cancel scope
    /// (Structured.Nursery), which off the loop also names the current task; null when none. Setting it is an
    /// ExecutionContext copy, as any AsyncLocal write.
    /// </summary>
    internal static object? FlowValue
    {
        get => s_flow.Value;
        set => s_flow.Value = value;
    }

    /// <summary>The SynchronizationContext of a loop task (its own parker): awaits in the task resume through it, on the loop. Null off the loop.</summary>
    internal Parker? Context => Loop is null ? null : _parker;

    /// <summary>
    /// Cancellation state owned by Structured.Nursery: the task's root scope (the scope of the nursery it runs in),
    /// or, for a task without one, the list of its top-level scopes. The innermost scope belongs to the running flow,
    /// not to the task (docs/decisions/0007).
    /// </summary>
    internal object? CancelState;

    /// <summary>Consecutive non-blocking operations since the task last yielded (the cooperative budget).</summary>
    internal int BudgetUsed;

    /// <summary>Whether the task has a parker (its context, on the loop) yet.</summary>
    internal bool HasParker => _parker is not null;

    /// <summary>The task's own parker, or null (for tests and diagnostics: blocking code rents it through <see cref="RentParker"/>).</summary>
    internal Parker? OwnParker => _parker;

    /// <summary>Makes the loop's spare parker this task's own, for its first step (<see cref="Loop.LendSpareParker"/>).</summary>
    internal void BorrowParker(Parker spare)
    {
        spare.Task = this;
        _parker = spare;
    }

    /// <summary>Gives the lent parker back when the task finished in its first step with nothing holding the parker; false when the task keeps it.</summary>
    internal bool TryReturnParker(Parker spare, TaskInfo detached)
    {
        if (!ReferenceEquals(_parker, spare) || State != TaskState.Finished || !spare.IsFree)
            return false;
        _parker = null;
        spare.Task = detached;
        return true;
    }

    /// <summary>
    /// The task's select turn (Structured.Channels): each select built afresh that the task runs tries its branches
    /// starting one further along, so fairness holds per task whoever else selects on the same channels. Written by
    /// the task's own flows only; a lost increment (two flows of one task off the loop) only repeats a turn.
    /// </summary>
    internal ushort SelectTurn;

    /// <summary>
    /// The parker for one blocking operation: the task's own when free, else a fresh one. Several flows of one task
    /// (Task.WhenAll, or Task.Run and Parallel.ForEachAsync off the loop) may block at once: each rents its own.
    /// </summary>
    internal Parker RentParker()
    {
        var parker = _parker ??= new Parker(this);
        return parker.TryRent() ? parker : Parker.Rented(this);
    }

    internal void OnParked()
    {
        BudgetUsed = 0;
        if (Loop is { } loop)
            loop.OnTaskBlocked(this);
        else
            State = TaskState.Blocked; // off the loop nobody else tracks it: the task tree shows what it waits on
    }

    /// <summary>Runs a continuation of this task on its scheduler: its loop, or the thread pool.</summary>
    internal void ScheduleContinuation(Action<object?> continuation, object? state, ExecutionContext? executionContext)
    {
        if (Loop is null)
            State = TaskState.Runnable;
        if (Loop is { } loop)
        {
            if (executionContext is null)
                loop.Enqueue(this, continuation, state);
            else
                loop.Enqueue(this, static s => ((ContinuationWithContext)s!).Run(), new ContinuationWithContext(continuation, state, executionContext));
        }
        else if (executionContext is null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(continuation, state, preferLocal: false);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => ((ContinuationWithContext)s!).Run(), new ContinuationWithContext(continuation, state, executionContext), preferLocal: false);
        }
    }

    /// <summary>Appends the task's own lines to a tree dump (overridden by nursery tasks to add their nurseries).</summary>
    internal void Describe(System.Text.StringBuilder into, string indent)
    {
        into.Append(indent).Append("task '").Append(Name).Append("' #").Append(Id).Append(' ').Append(State);
        if (WaitingOn is { } waitingOn)
            into.Append(", waiting on ").Append(waitingOn);
        into.AppendLine();
        DescribeScopes?.Invoke(this, into, indent + "  ");
    }

    static string NameOf(Delegate? source, long id)
    {
        if (source is null)
            return $"task-{id}";
        var method = source.Method;
        var name = method.Name;
        // A lambda's method is "<Outer>b__0_1": name it after the method that wrote it.
        if (name.StartsWith('<') && name.IndexOf('>', StringComparison.Ordinal) is > 1 and int end)
            name = name[1..end] + ".<lambda>";
        var type = method.DeclaringType;
        while (type is not null && type.Name.StartsWith('<'))
            type = type.DeclaringType;
        return type is null ? name : $"{type.Name}.{name}";
    }

    /// <inheritdoc/>
    public override string ToString() => $"task '{Name}' #{Id} ({State})";

    sealed class ContinuationWithContext(Action<object?> continuation, object? state, ExecutionContext context)
    {
        public void Run() => ExecutionContext.Run(context, static s =>
        {
            var self = (ContinuationWithContext)s!;
            self._continuation(self._state);
        }, this);

        readonly Action<object?> _continuation = continuation;
        readonly object? _state = state;
    }
}
