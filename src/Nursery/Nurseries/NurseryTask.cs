namespace Structured;

/// <summary>
/// A task started into a nursery: runs its delegate on its loop (or the thread pool), in a copy of the
/// spawner's ExecutionContext, and reports its outcome to its parent nursery.
/// </summary>
internal sealed class NurseryTask : TaskInfo, IThreadPoolWorkItem
{
    static readonly Action<object?> s_firstStep = static s => ((NurseryTask)s!).RunFirstStep();
    static readonly ContextCallback s_stepInContext = static s => ((NurseryTask)s!).Step();
    static readonly Action<object?> s_completeOnLoop = static s => ((NurseryTask)s!).Complete();

    // The completion of a loop task's body, registered with the task's own SynchronizationContext (its parker) captured: .NET
    // then runs it either inline, only when that context is current (the body ended in one of the task's own steps),
    // or posts it to that context, which the loop runs as a step of the task with the context installed. Either way
    // the current context names the task, so one static delegate serves every task instead of an Action bound to
    // each (64 B per parked task: docs/performance.md, issue 13).
    static readonly Action s_bodyCompletedInOwnContext = static () =>
    {
        if (SynchronizationContext.Current is not Parker { Task: NurseryTask task })
            throw new InvalidOperationException("A loop task's body completed outside its own SynchronizationContext (a bug in Structured).");
        task.OnTaskCompleted();
    };

    // The completion of an off-loop task's body, registered with the flow of the task's first step captured (the task is
    // the current one in it): .NET runs it in that flow, wherever the body ends, so the current task names the task.
    static readonly Action s_bodyCompletedInOwnFlow = static () =>
    {
        if (CurrentOrNull is not NurseryTask task)
            throw new InvalidOperationException("An off-loop task's body completed outside its own flow (a bug in Structured).");
        task.OnTaskCompleted();
    };

    // The delegate until the first step, then the Task it returned (one field: W1 counts a task's bytes).
    object? _bodyOrTask;

    /// <param name="name">The task's name, or null to name it after its delegate.</param>
    /// <param name="loop">Its loop, or null for the thread pool.</param>
    /// <param name="parent">Its nursery; null for a root task, whose parker (its context, on a loop) is made now.</param>
    internal NurseryTask(string? name, Loop? loop, Nursery? parent)
        : base(name, loop, parkerOnFirstStep: parent is not null)
    {
    }

    /// <summary>The nursery the task runs in: the caller's temporary nursery before <c>Started</c>, the target after.</summary>
    /// <remarks>
    /// Read from the task's root scope, which is that nursery's scope (the nursery sets it as it links the child, and again
    /// as it adopts it): no field of its own, since W1 counts a task's bytes and a request's fan-out its children's.
    /// A root task's scopes are its own (or a TopLevelScopes list): it has no parent.
    /// </remarks>
    public Nursery? Parent => CancelState is CancelScope scope && !ReferenceEquals(scope.Owner, this) ? scope.Nursery : null;

    /// <summary>The Task the task's function returned, once it ran (read by Structured.Testing to name what a task awaits outside the loop).</summary>
    internal Task? BodyTask => _bodyOrTask as Task;

    // Until the first step, the spawner's ExecutionContext (inside the TaskTelemetry while a listener measures tasks);
    // until the end, the task's TaskTelemetry or null; then what the task's function threw, or null (one field: W1
    // counts a task's bytes, and a fan-out's children are a request's).
    object? _telemetryOrError;

    /// <summary>What the task's function threw, or null; set just before the loop reports the exit (read by Structured.Testing's trace).</summary>
    internal Exception? Error => _telemetryOrError as Exception;

    /// <summary>Intrusive links among the parent nursery's live children.</summary>
    internal NurseryTask? NextSibling, PreviousSibling;

    /// <summary>Schedules the first step: on the loop's ready queue, or on the thread pool.</summary>
    internal void Start(Delegate body)
    {
        _bodyOrTask = body;
        // On a loop, the spawner's context without its flow scope (ChildExecutionContext: no context switch per step).
        var context = Loop is { } onLoop ? ChildExecutionContext.ForSpawnOn(onLoop) : ExecutionContext.Capture();
        if (NurseryTelemetry.TaskStarting(this) is { } telemetry)
        {
            telemetry.StartContext = context;
            _telemetryOrError = telemetry;
        }
        else
        {
            _telemetryOrError = context;
        }
        if (Loop is { } loop)
        {
            loop.RegisterTask(this);
            loop.Enqueue(this, s_firstStep, this);
        }
        else
        {
            State = TaskState.Runnable;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        State = TaskState.Running;
        RunFirstStep();
    }

    void RunFirstStep()
    {
        // A loop child borrows the loop's spare parker as its context for this step, and keeps it only if it outlives it.
        if (Loop is { } loop && !HasParker)
        {
            var spare = loop.LendSpareParker(this);
            try
            {
                RunFirstStepInContext();
            }
            finally
            {
                loop.ReturnSpareParker(this, spare);
            }
            return;
        }
        RunFirstStepInContext();
    }

    void RunFirstStepInContext()
    {
        // Most spawns happen in the loop thread's own context: then ExecutionContext.Run (its save and restore)
        // is not needed, only a restore if a synchronous body changed an AsyncLocal of that context.
        var context = _telemetryOrError is TaskTelemetry telemetry ? telemetry.StartContext : _telemetryOrError as ExecutionContext;
        var current = ExecutionContext.Capture();
        if (context is null || ReferenceEquals(context, current))
        {
            Step();
            if (current is not null && !ReferenceEquals(ExecutionContext.Capture(), current))
                ExecutionContext.Restore(current);
        }
        else
        {
            ExecutionContext.Run(context, s_stepInContext, this);
        }
    }

    void Step()
    {
        if (Loop is null)
            SetOffLoopCurrent(this);
        NurseryTelemetry.TaskFirstStep(this, _telemetryOrError);
        Task task;
        try
        {
            task = _bodyOrTask switch
            {
                Func<Task> plain => plain(),
                Func<CancellationToken, Task> withToken => withToken(((CancelScope)CancelState!).Token),
                Func<ValueTask> plainValueTask => plainValueTask().AsTask(),
                Func<CancellationToken, ValueTask> valueTaskWithToken => valueTaskWithToken(((CancelScope)CancelState!).Token).AsTask(),
                _ => throw new InvalidOperationException("unknown task body"),
            } ?? throw NullTask.Returned($"The function of task '{Name}'");
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }
        // The spawner's context is not needed any more: the slot keeps the telemetry, if any, until the end.
        if (_telemetryOrError is TaskTelemetry tracked)
            tracked.StartContext = null;
        else
            _telemetryOrError = null;
        _bodyOrTask = task;
        if (task.IsCompleted)
            Complete();
        else if (SynchronizationContext.Current is Parker context && ReferenceEquals(context, Context))
            // Not ConfigureAwait(false): with a SynchronizationContext current, .NET would send that continuation
            // to the thread pool. Captured, it runs inline when the task ends on the loop (the usual case).
            task.GetAwaiter().UnsafeOnCompleted(s_bodyCompletedInOwnContext);
        else if (Loop is null && ReferenceEquals(CurrentOrNull, this) && !ExecutionContext.IsFlowSuppressed())
            // Off the loop: the continuation flows the context captured here, in which this task is the current one, so one
            // static delegate finds it again (the runtime's continuation with a context, 32 B, instead of a delegate bound
            // to the task, 64 B: docs/performance.md, "The nursery fan-out under the request scope").
            task.GetAwaiter().OnCompleted(s_bodyCompletedInOwnFlow);
        else
            // The body's synchronous part left another context installed: a delegate bound to the task.
            task.GetAwaiter().UnsafeOnCompleted(OnTaskCompleted);
    }

    void OnTaskCompleted()
    {
        // The task's last step may have ended off the loop (ConfigureAwait(false) in user code): come back.
        if (Loop is { } loop && !loop.IsOnLoopThread)
            loop.Enqueue(this, s_completeOnLoop, this);
        else
            Complete();
    }

    void Complete()
    {
        var task = (Task)_bodyOrTask!;
        _bodyOrTask = null;
        var error = TaskErrors.ErrorOf(task);
        NurseryTelemetry.TaskFinished(this, _telemetryOrError, error);
        _telemetryOrError = error;
        if (Loop is { } loop)
            loop.TaskFinished(this);
        else
            State = TaskState.Finished;
        Parent!.ChildFinished(this, error);
    }
}
