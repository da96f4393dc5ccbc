using System.Text;

namespace Structured.Testing;

/// <summary>
/// Thrown out of <see cref="TestLoop.Run(Func{Task}, TestLoopOptions)"/> with <see cref="LeakCheck.Fail"/> when the test left
/// something behind: its message lists every leak with the fix; <see cref="Leaks"/> holds them.
/// </summary>
public sealed class LeakException : Exception
{
    /// <summary>Creates the exception with a generic message and no leaks.</summary>
    public LeakException()
        : this("The test loop run left something behind.")
    {
    }

    /// <summary>Creates the exception with a message and no leaks.</summary>
    /// <param name="message">What leaked.</param>
    public LeakException(string message)
        : base(message)
    {
        Leaks = [];
    }

    /// <summary>Creates the exception with a message, an inner exception and no leaks.</summary>
    /// <param name="message">What leaked.</param>
    /// <param name="innerException">The cause.</param>
    public LeakException(string message, Exception innerException)
        : base(message, innerException)
    {
        Leaks = [];
    }

    internal LeakException(IReadOnlyList<Leak> leaks, RunTrace trace)
        : base(Describe(leaks))
    {
        Leaks = leaks;
        Trace = trace;
    }

    /// <summary>Every leak, channel ends and tasks in creation order, then work on the thread pool.</summary>
    public IReadOnlyList<Leak> Leaks { get; }

    /// <summary>The trace of the run that leaked, or null.</summary>
    public RunTrace? Trace { get; }

    static string Describe(IReadOnlyList<Leak> leaks)
    {
        var text = new StringBuilder("Leak: the test loop run ended and left ")
            .Append(leaks.Count).Append(leaks.Count == 1 ? " thing" : " things").Append(" behind:");
        foreach (var leak in leaks)
            text.AppendLine().Append("  ").Append(leak.ToString().Replace("\n", "\n    ", StringComparison.Ordinal));
        var kinds = leaks.Select(l => l.Kind).ToHashSet();
        text.AppendLine().Append("Fix:");
        if (kinds.Contains(LeakKind.ChannelEnd))
            text.AppendLine().Append("  close every channel end when done with it: 'await using' the end, or call Close() (a clone is an end of its own).");
        if (kinds.Contains(LeakKind.ThreadPoolWork))
            text.AppendLine().Append("  run blocking work with ToThread.RunAsync, and concurrent work with nursery.StartSoon, instead of Task.Run: both are waited for.");
        if (kinds.Contains(LeakKind.Task))
            text.AppendLine().Append("  let every nursery finish (await it) or cancel its scope before the test ends.");
        if (!leaks.Any(l => l.CreationStack is not null))
            text.AppendLine().Append("Set TestLoopOptions.CaptureCreationStacks = true to see where each was created.");
        return text.ToString();
    }
}
