using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Structured;

/// <summary>
/// The metrics and traces of tasks, nurseries and cancel scopes (docs/observability.md). Every hook is one call at its
/// site, inlined, and checks that an instrument or the activity source has a listener before doing anything: no clock
/// read, no allocation, nothing recorded while nobody listens.
/// </summary>
internal static class NurseryTelemetry
{
    // Tag values, fixed strings: bounded by construction.
    const string Completed = "completed", Failed = "failed", CancelledOutcome = "cancelled";

    // ---------------------------------------------------------------- tasks

    /// <summary>A task is being started: counts it, and returns its <see cref="TaskTelemetry"/> when anything measures tasks one by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TaskTelemetry? TaskStarting(NurseryTask task)
    {
        if (StructuredMetrics.TasksStarted.Enabled)
            StructuredMetrics.TasksStarted.Add(1);
        return StructuredMetrics.TasksActive.Enabled || StructuredMetrics.TaskDuration.Enabled || (task.HasGivenName && StructuredTracing.Source.HasListeners())
            ? Track(task)
            : null;
    }

    static TaskTelemetry Track(NurseryTask task)
    {
        var telemetry = new TaskTelemetry();
        if (StructuredMetrics.TaskDuration.Enabled)
            telemetry.StartTicks = Time.NowTicksFor(task.Loop);
        if (StructuredMetrics.TasksActive.Enabled)
        {
            telemetry.CountedActive = true;
            StructuredMetrics.TasksActive.Add(1);
        }
        telemetry.WantsActivity = task.HasGivenName && StructuredTracing.Source.HasListeners();
        return telemetry;
    }

    /// <summary>
    /// The task's first step begins, in the execution context captured when it was spawned: its activity starts here, so
    /// that its parent is the spawner's <see cref="Activity.Current"/> (the nursery's activity) and it is current for the
    /// task's code only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void TaskFirstStep(NurseryTask task, object? telemetry)
    {
        if (telemetry is TaskTelemetry { WantsActivity: true } tracked)
            tracked.Activity = StartTaskActivity(task);
    }

    static Activity? StartTaskActivity(NurseryTask task)
    {
        var activity = StructuredTracing.Source.StartActivity(StructuredTracing.TaskOperation, ActivityKind.Internal);
        if (activity is null)
            return null;
        activity.DisplayName = task.Name;
        if (activity.IsAllDataRequested)
        {
            activity.SetTag("structured.task.name", task.Name);
            activity.SetTag("structured.task.id", task.Id);
        }
        return activity;
    }

    /// <summary>A task has ended with <paramref name="error"/> (null: it completed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void TaskFinished(NurseryTask task, object? telemetry, Exception? error)
    {
        if (telemetry is not null || StructuredMetrics.TasksFinished.Enabled || (error is not null && StructuredMetrics.TasksFailed.Enabled))
            RecordFinished(task, telemetry as TaskTelemetry, error);
    }

    static void RecordFinished(NurseryTask task, TaskTelemetry? telemetry, Exception? error)
    {
        string outcome = error is null ? Completed : IsCancellation(task, error) ? CancelledOutcome : Failed;
        if (StructuredMetrics.TasksFinished.Enabled)
            StructuredMetrics.TasksFinished.Add(1);
        if (ReferenceEquals(outcome, Failed) && StructuredMetrics.TasksFailed.Enabled)
            StructuredMetrics.TasksFailed.Add(1, new KeyValuePair<string, object?>(StructuredMetrics.ErrorTypeTag, error!.GetType().FullName));
        if (telemetry is null)
            return;
        if (telemetry.CountedActive)
            StructuredMetrics.TasksActive.Add(-1);
        if (telemetry.StartTicks != StructuredMetrics.NoTimestamp && StructuredMetrics.TaskDuration.Enabled)
        {
            double seconds = (double)Math.Max(0, Time.NowTicksFor(task.Loop) - telemetry.StartTicks) / TimeSpan.TicksPerSecond;
            StructuredMetrics.TaskDuration.Record(seconds, new KeyValuePair<string, object?>(StructuredMetrics.OutcomeTag, outcome));
        }
        if (telemetry.Activity is { } activity)
        {
            telemetry.Activity = null;
            if (error is Cancelled cancelled)
                AddCancelEvent(activity, cancelled.Reason, cause: null);
            Stop(activity, ReferenceEquals(outcome, Failed) ? error : null);
        }
    }

    // The nursery's own judgement (Nursery.ChildFinished runs after this): a .NET API's OperationCanceledException with
    // the nursery's token, or an enclosing scope's, is a cancellation here as it is there.
    static bool IsCancellation(NurseryTask task, Exception error)
        => task.Parent is { } parent
            ? parent.IsOurs(error) || parent.IsQuietEnd?.Invoke(error) == true
            : CancelScope.IsOurCancellation(error);

    // ---------------------------------------------------------------- nurseries

    /// <summary>A nursery opens: its activity, if a listener samples it (current for the body and inherited by the children).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Activity? NurseryOpening(TaskInfo owner)
        => StructuredTracing.Source.HasListeners() ? StartNurseryActivity(owner) : null;

    static Activity? StartNurseryActivity(TaskInfo owner)
    {
        var activity = StructuredTracing.Source.StartActivity(StructuredTracing.NurseryOperation, ActivityKind.Internal);
        if (activity is null)
            return null;
        activity.DisplayName = $"nursery of {owner.Name}";
        if (activity.IsAllDataRequested)
            activity.SetTag("structured.task.name", owner.Name);
        return activity;
    }

    /// <summary>A nursery closed with <paramref name="error"/> (what it throws: null, an aggregate, or a lone cancellation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void NurseryClosed(Activity? activity, Exception? error)
    {
        if (activity is not null)
            Stop(activity, error is null || CancelScope.IsOurCancellation(error) ? null : error);
    }

    /// <summary>A nursery collected an error of its body or of a child.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void NurseryError(Exception error)
    {
        if (StructuredMetrics.NurseryErrors.Enabled)
            StructuredMetrics.NurseryErrors.Add(1, new KeyValuePair<string, object?>(StructuredMetrics.ErrorTypeTag, error.GetType().FullName));
    }

    // ---------------------------------------------------------------- cancel scopes

    /// <summary>A scope became cancelled, for <paramref name="cause"/>; a nursery's scope notes it on the nursery's activity too.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ScopeCancelled(CancelScope scope, CancelCause cause)
    {
        if (StructuredMetrics.Cancellations.Enabled)
            StructuredMetrics.Cancellations.Add(1, new KeyValuePair<string, object?>(StructuredMetrics.CauseTag, CauseName(cause)));
        if (scope.Nursery?.Activity is { } activity)
            AddCancelEvent(activity, (cause == CancelCause.Outer ? scope.EffectiveCanceller ?? scope : scope).ReasonText, cause);
    }

    /// <summary>A scope's deadline timer fired.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DeadlineFired()
    {
        if (StructuredMetrics.DeadlinesFired.Enabled)
            StructuredMetrics.DeadlinesFired.Add(1);
    }

    static string CauseName(CancelCause cause) => cause switch
    {
        CancelCause.Explicit => "explicit",
        CancelCause.Deadline => "deadline",
        CancelCause.SiblingError => "sibling_error",
        CancelCause.Outer => "outer",
        _ => "token",
    };

    // ---------------------------------------------------------------- activities

    static void AddCancelEvent(Activity activity, string reason, CancelCause? cause)
    {
        var tags = new ActivityTagsCollection { ["structured.cancel.reason"] = reason };
        if (cause is { } known)
            tags[StructuredMetrics.CauseTag] = CauseName(known);
        activity.AddEvent(new ActivityEvent(StructuredTracing.CancelEvent, tags: tags));
    }

    /// <summary>Sets the status from the outcome and stops; <see cref="Activity.Current"/> of the calling flow is left as it was.</summary>
    static void Stop(Activity activity, Exception? failure)
    {
        if (failure is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, failure.Message);
            if (failure is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                    activity.AddException(inner);
            }
            else
            {
                activity.AddException(failure);
            }
        }
        // Stop makes the activity's parent current in the flow that stops it, which may be the loop's own context (a
        // task's end posted back to the loop): put back what was current, so no activity leaks into other work.
        var current = Activity.Current;
        activity.Stop();
        if (!ReferenceEquals(Activity.Current, current) && !ReferenceEquals(current, activity))
            Activity.Current = current;
    }
}
