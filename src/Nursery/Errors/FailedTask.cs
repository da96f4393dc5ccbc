using System.Text;

namespace Structured;

/// <summary>
/// Which task an error came from: a nursery tags each real failure with the failing task's name (in the exception's
/// <see cref="Exception.Data"/>), and names those tasks in the message of the aggregate it throws, so that a log of a
/// nursery's error says <c>job-3</c> failed, not only what was thrown (read with <see cref="ExceptionExtensions.GetTaskName"/>).
/// </summary>
internal static class FailedTask
{
    /// <summary>The key of the task's name in <see cref="Exception.Data"/>.</summary>
    internal const string DataKey = "Structured.TaskName";

    // On a nursery's aggregate: the name of the nursery's task, so that a scope stripping cancellations out of it can
    // make the same message for what is left.
    const string NurseryKey = "Structured.NurseryOf";

    /// <summary>Tags <paramref name="error"/> with the task it failed in, unless a nursery nearer to where it was thrown already did.</summary>
    internal static void Tag(Exception error, string taskName)
    {
        try
        {
            if (!error.Data.Contains(DataKey))
                error.Data[DataKey] = taskName;
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException)
        {
            // An exception type whose Data is read-only or picky keeps its message alone; the aggregate still names the task.
        }
    }

    /// <summary>The name the error was tagged with, or null.</summary>
    internal static string? NameOf(Exception error)
    {
        try
        {
            return error.Data[DataKey] as string;
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The aggregate a nursery of task <paramref name="ownerName"/> throws for <paramref name="errors"/>, its message naming the failed tasks.</summary>
    internal static AggregateException Aggregate(List<Exception> errors, string ownerName)
    {
        var aggregate = new AggregateException(Summary(errors, ownerName), errors);
        aggregate.Data[NurseryKey] = ownerName;
        return aggregate;
    }

    /// <summary>
    /// What is left of <paramref name="original"/> once a scope stripped cancellations out of it: for a nursery's
    /// aggregate, the same kind of message over what is left.
    /// </summary>
    internal static AggregateException Remaining(AggregateException original, List<Exception> kept)
        => original.Data[NurseryKey] is string ownerName ? Aggregate(kept, ownerName) : new AggregateException(kept);

    /// <summary>
    /// The message of a nursery's aggregate: which tasks failed, in the order they failed (.NET appends each inner
    /// exception's message after it in parentheses).
    /// </summary>
    static string Summary(List<Exception> errors, string ownerName)
    {
        var failed = new List<(string? Name, Exception Error)>(errors.Count);
        foreach (var error in errors)
        {
            if (!CancelScope.IsOurCancellation(error))
                failed.Add((NameOf(error), error));
        }
        if (failed.Count == 0)
            return $"The nursery of task '{ownerName}' ended with cancellations only.";
        var text = new StringBuilder();
        if (failed.Count == 1)
        {
            AppendTask(text, failed[0], capital: true);
            text.Append(" failed in the nursery of task '").Append(ownerName).Append("'.");
            return text.ToString();
        }
        text.Append(failed.Count).Append(" tasks failed in the nursery of task '").Append(ownerName).Append("': ");
        for (int i = 0; i < failed.Count; i++)
        {
            if (i > 0)
                text.Append(", ");
            AppendTask(text, failed[i], capital: false);
            text.Append(" (").Append(failed[i].Error.GetType().Name).Append(')');
        }
        return text.Append('.').ToString();
    }

    static void AppendTask(StringBuilder text, (string? Name, Exception Error) failure, bool capital)
        => _ = failure.Name is null
            ? text.Append(capital ? "A task" : "a task")
            : text.Append(capital ? "Task '" : "task '").Append(failure.Name).Append('\'');
}
