namespace Structured;

// When Loop.Run may return, and what it throws: main and everything it started must be done (a forgotten
// await of a nursery or a scope keeps the loop running until that work ends), and an error of work that
// outlived main, or of a callback the loop ran outside any task, is never lost.
public sealed partial class Loop
{
    // Nurseries and scopes open on this loop whose body is still running (Nursery.RunAsync, the slow path of
    // CancelScope.RunAsync): Loop.Run does not return while any is open.
    int _openRegions;
    bool _mainDoneSeen;
    string? _orphanTree;
    List<Exception>? _orphanErrors;
    List<Exception>? _callbackErrors;

    /// <summary>Whether main has returned while work it started (regions or tasks) is still running.</summary>
    bool WorkOutlivesMain => Volatile.Read(ref _openRegions) != 0 || _tasksAlive > 1;

    /// <summary>Whether everything under main is done: main returned, no region is open and no task but main lives.</summary>
    bool AllDone => _mainDone && !WorkOutlivesMain;

    /// <summary>A nursery or scope body begins on this loop: the loop runs until it ends.</summary>
    /// <remarks>Interlocked: a loop task's code may, unusually, run on another thread (after <c>ConfigureAwait(false)</c>).</remarks>
    internal void OpenRegion() => Interlocked.Increment(ref _openRegions);

    /// <summary>A nursery or scope opened with <see cref="OpenRegion"/> ends.</summary>
    internal void CloseRegion()
    {
        if (Interlocked.Decrement(ref _openRegions) == 0 && !IsOnLoopThread)
            WakeFromOtherThread();
    }

    /// <summary>
    /// A region of <paramref name="task"/> ends with <paramref name="error"/>. When main has already returned,
    /// nobody can await that region any more (a forgotten await): the error is kept for <c>Loop.Run</c> to
    /// throw. Returns false, for use in an exception filter.
    /// </summary>
    internal bool NoteRegionError(TaskInfo task, Exception error)
    {
        if (_mainDone && ReferenceEquals(task, _root))
        {
            if (IsOnLoopThread)
                (_orphanErrors ??= []).Add(error);
            else
                PostInternal(() => (_orphanErrors ??= []).Add(error));
        }
        return false;
    }

    /// <summary>
    /// A callback the loop ran outside any task step (a timer's, a token registration run by a deadline or by a
    /// clock's advance) threw: the loop goes on, every other due timer still fires, and <c>Loop.Run</c> throws the
    /// error once everything under main is done.
    /// </summary>
    internal void ReportCallbackError(Exception error)
    {
        if (IsOnLoopThread)
            (_callbackErrors ??= []).Add(error);
        else
            PostInternal(() => (_callbackErrors ??= []).Add(error));
    }

    /// <summary>Called between steps: notes, once, the task tree at the moment main returned with work still running.</summary>
    void NoteMainDone()
    {
        _mainDoneSeen = true;
        if (WorkOutlivesMain)
            _orphanTree = DumpTaskTree();
    }

    /// <summary>
    /// Throws what <c>Loop.Run</c> must throw besides main's own outcome: the errors of work that outlived main and
    /// of callbacks. Main's error comes first when main failed too.
    /// </summary>
    void ThrowBackgroundErrors(Task mainTask)
    {
        var orphans = OutermostOnly(_orphanErrors);
        if (orphans.Count == 0 && _callbackErrors is null)
            return;
        var all = new List<Exception>();
        if (!mainTask.IsCompletedSuccessfully)
        {
            try
            {
                mainTask.GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                all.Add(e);
            }
        }
        all.AddRange(orphans);
        if (_callbackErrors is not null)
            all.AddRange(_callbackErrors);
        var message = new System.Text.StringBuilder("Loop.Run: ");
        if (all.Count > orphans.Count + (_callbackErrors?.Count ?? 0))
            message.Append("main failed (its error is the first inner exception); ");
        if (orphans.Count != 0)
        {
            message.Append("main returned before the work it started finished (a forgotten await?). The loop ran that work to its end, and it failed. ");
        }
        if (_callbackErrors is not null)
            message.Append("A callback the loop ran outside any task (a timer's, or a cancel scope token's when a deadline fired) threw; the loop went on and every other timer fired. ");
        if (_orphanTree is not null)
            message.AppendLine().Append("Task tree when main returned:").AppendLine().Append(_orphanTree);
        throw new AggregateException(message.ToString().TrimEnd(), all);
    }

    /// <summary>
    /// The errors of forgotten regions without those that another one already holds: a forgotten scope whose
    /// body awaited a failing nursery reports that failure once, as the scope's.
    /// </summary>
    static List<Exception> OutermostOnly(List<Exception>? errors)
    {
        if (errors is null)
            return [];
        var kept = new List<Exception>();
        foreach (var error in errors)
        {
            bool inside = false;
            foreach (var other in errors)
            {
                if (!ReferenceEquals(other, error) && Contains(other, error))
                {
                    inside = true;
                    break;
                }
            }
            if (!inside && !kept.Contains(error))
                kept.Add(error);
        }
        return kept;
    }

    static bool Contains(Exception outer, Exception inner)
    {
        if (outer is not AggregateException aggregate)
            return false;
        foreach (var e in aggregate.InnerExceptions)
        {
            if (ReferenceEquals(e, inner) || Contains(e, inner))
                return true;
        }
        return false;
    }
}
