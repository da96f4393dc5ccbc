namespace Structured;

// Nursery, part: a nursery whose scope is a root scope the caller entered and leaves through it: the request's nursery
// of Structured.AspNetCore, which is the request's scope too (one scope and one nursery per request, not a scope
// around a nursery around a scope), closed by the middleware without an async frame when no child is left.
public sealed partial class Nursery
{
    /// <summary>
    /// A nursery whose scope is <paramref name="scope"/>, which <paramref name="owner"/> entered as its root scope
    /// (<see cref="CancelScope.EnterAsRoot"/>), possibly on another thread than the one that opens it (it may be opened
    /// on first use). The caller ends it: <see cref="EndBody"/>, then, when that says so, <see cref="WaitForChildrenOfOwnScopeAsync"/>,
    /// then <see cref="CloseOwnScope"/>, which leaves the scope.
    /// </summary>
    internal static Nursery OpenInOwnScope(TaskInfo owner, CancelScope scope)
        => new(scope) { Activity = NurseryTelemetry.NurseryOpening(owner) };

    /// <summary>
    /// The body ended with <paramref name="error"/> (or null): records it as <see cref="RunAsync(Func{Nursery, Task})"/>
    /// does. Returns true when no child is left, so that <see cref="CloseOwnScope"/> may follow at once: no schedule
    /// point, since the caller's pipeline is no checkpoint. False: wait with <see cref="WaitForChildrenOfOwnScopeAsync"/> first.
    /// </summary>
    internal bool EndBody(TaskInfo task, Exception? error)
    {
        if (error is not null)
            AddError(error, task, " (nursery body)");
        using (new ScopeGate(_scope.Gate))
        {
            _bodyDone = true;
            if (_live > 0 || _pendingStarts > 0)
                return false;
            _closed = true;
        }
        return true;
    }

    /// <summary>
    /// After <see cref="EndBody"/> returned false: completes when the last child and pending start have ended (the wait
    /// of <see cref="RunAsync(Func{Nursery, Task})"/>; the body is marked done already, so marking it again changes nothing).
    /// </summary>
    internal ValueTask WaitForChildrenOfOwnScopeAsync(TaskInfo task) => WaitForChildrenAsync(task);

    /// <summary>Closes the nursery and leaves its scope; returns what to throw (null, an aggregate, or a lone cancellation from outside).</summary>
    internal Exception? CloseOwnScope(TaskInfo task)
    {
        var error = Close(task);
        NurseryTelemetry.NurseryClosed(Activity, error);
        return error;
    }
}
