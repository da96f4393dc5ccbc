namespace Structured;

// Nursery, part: the errors its children and body end with, kept until the nursery closes, and what it throws then.
public sealed partial class Nursery
{
    // The errors themselves are in the rare parts (NurseryRareParts.Errors): most nurseries end without one.
    // Whether every error recorded is one of our cancellations (what a cancelled nursery's children end with, W6): then
    // the scope's exit gets the first alone, not an aggregate copy of them all that it would strip again at once.
    bool _errorsAreOurCancellations = true;

    // The task's name is read only for a real failure: naming a task after its delegate costs reflection and a string,
    // and every cancelled child of a cancelled nursery comes through here (W6).
    void AddError(Exception error, TaskInfo task, string? nameSuffix = null)
    {
        if (IsOurs(error))
        {
            using (new ScopeGate(_scope.Gate))
                Record(error, ours: true);
        }
        else
        {
            Fail(error, task, nameSuffix);
        }
    }

    /// <summary>
    /// Whether <paramref name="error"/> is one of our cancellations, once the cancellations of this scope's token and of
    /// the tokens of the scopes around it are marked as ours. Also what a child's telemetry asks, before the child
    /// reports to the nursery, so the two agree.
    /// </summary>
    internal bool IsOurs(Exception error)
    {
        _scope.MarkTokenCancellationsReachingIn(error);
        return CancelScope.IsOurCancellation(error);
    }

    /// <summary>Records a real failure, with the name of the task it came from, and cancels the siblings.</summary>
    void Fail(Exception error, TaskInfo task, string? nameSuffix = null)
    {
        var name = task.Name + nameSuffix;
        using (new ScopeGate(_scope.Gate))
        {
            // The same exception twice: a child's error that a sibling or the body awaited (ChildResult.WaitAsync) and let
            // go. It is one failure, reported once, under the task it came from.
            if (_rare?.Errors is { } errors && errors.IsFailure(error))
                return;
            Record(error, ours: false);
        }
        FailedTask.Tag(error, name);
        NurseryTelemetry.NurseryError(error);
        _scope.RequestCancel(CancelReasons.SiblingFailed(name, error), byDeadline: false, cause: CancelCause.SiblingError);
    }

    /// <summary>Keeps an error for the nursery's exit. Caller holds the gate.</summary>
    void Record(Exception error, bool ours)
    {
        ((_rare ??= new()).Errors ??= new ErrorList()).Add(error, ours);
        _errorsAreOurCancellations &= ours;
    }

    /// <summary>Leaves the nursery's scope and says what to throw: null, an aggregate of the errors, or a lone cancellation from outside.</summary>
    Exception? Close(TaskInfo task)
    {
        List<Exception>? errors;
        bool onlyOurCancellations;
        using (new ScopeGate(_scope.Gate))
        {
            _closed = true;
            errors = _rare?.Errors;
            if (errors is not null)
                _rare!.Errors = null;
            onlyOurCancellations = _errorsAreOurCancellations;
        }
        // Only cancellations: the scope catches them all or lets them go as one (the first), so it gets the first alone.
        Exception? collected = errors is null ? null : onlyOurCancellations ? errors[0] : FailedTask.Aggregate(errors, OwnerTask.Name);
        var remaining = _scope.Exit(task, collected);
        if (remaining is AggregateException aggregate && aggregate.InnerExceptions.All(CancelScope.IsOurCancellation))
            return aggregate.InnerExceptions[0];
        return remaining;
    }
}
