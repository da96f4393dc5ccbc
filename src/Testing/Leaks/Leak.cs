using System.Text;

namespace Structured.Testing;

/// <summary>One thing a test left behind: a task still alive, a channel end never closed, work still on the thread pool.</summary>
public sealed class Leak
{
    internal Leak(LeakKind kind, string description, string? createdBy, string? creationStack)
    {
        Kind = kind;
        Description = description;
        CreatedBy = createdBy;
        CreationStack = creationStack;
    }

    /// <summary>What leaked.</summary>
    public LeakKind Kind { get; }

    /// <summary>What leaked, in words: <c>send end (open) of a memory channel: ...</c>, <c>task 'poller' #7 Blocked, waiting on ...</c>.</summary>
    public string Description { get; }

    /// <summary>The name of the Structured task that created it, or null when it was created outside any task.</summary>
    public string? CreatedBy { get; }

    /// <summary>
    /// Where it was created: the stack of the creating call, innermost frame first, without the library's own frames.
    /// Null unless the run set <see cref="TestLoopOptions.CaptureCreationStacks"/> (a stack per task, end and Task.Run costs microseconds).
    /// </summary>
    public string? CreationStack { get; }

    /// <summary>The description, who created it, and the creation stack when there is one.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Description);
        if (CreatedBy is not null)
            text.Append(", created by task '").Append(CreatedBy).Append('\'');
        if (CreationStack is not null)
            text.AppendLine(", at:").Append(CreationStack.TrimEnd());
        return text.ToString();
    }
}
