using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace Structured;

/// <summary>Writes the nursery part of <see cref="Loop.DumpTaskTree"/>: scopes, nurseries and their children.</summary>
internal static class TaskTreeText
{
    /// <summary>Lets <see cref="Loop.DumpTaskTree"/> describe tasks' scopes (the loop package knows no scopes).</summary>
    /// <remarks>
    /// Runs when this assembly is first used, whichever of its types that is: installing it from a type's static
    /// constructor (it once was Nursery's) left the scopes out of the tree of a program that had entered scopes but
    /// not opened a nursery yet.
    /// </remarks>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "It only sets an internal hook of the sibling Loop assembly; no user code, no I/O, and it must not depend on which type is used first.")]
    internal static void Install()
    {
        TaskInfo.DescribeScopes = DescribeScopes;
        TaskInfo.DescribeWaitWithoutParker = DescribeOffLoopJoin;
    }

    /// <summary>The off-loop join <paramref name="task"/> waits in (Nursery+OffLoop.cs: no parker), described as the parker's wait would be; else null.</summary>
    static string? DescribeOffLoopJoin(TaskInfo task)
    {
        foreach (var scope in OutermostScopes(task))
        {
            if (JoiningNurseryIn(scope) is { } nursery)
                return nursery.DescribeJoin();
        }
        return null;
    }

    static Nursery? JoiningNurseryIn(CancelScope scope)
    {
        if (scope.Nursery is { IsJoiningOffLoop: true } nursery)
            return nursery;
        foreach (var inner in scope.Children())
        {
            if (ReferenceEquals(inner.Owner, scope.Owner) && JoiningNurseryIn(inner) is { } found)
                return found;
        }
        return null;
    }

    /// <summary>Appends the cancel scopes <paramref name="task"/> entered, outermost first, with the nurseries' children under them.</summary>
    /// <remarks>Best effort from another thread than the scopes' (the tree may change while it is read).</remarks>
    internal static void DescribeScopes(TaskInfo task, StringBuilder into, string indent)
    {
        var outermost = OutermostScopes(task);
        for (int i = outermost.Count - 1; i >= 0; i--)
            DescribeScope(outermost[i], into, indent);
    }

    /// <summary>One outermost scope per flow of <paramref name="task"/> that is inside a scope (DescribeScopes lists them oldest first).</summary>
    static List<CancelScope> OutermostScopes(TaskInfo task)
    {
        var outermost = new List<CancelScope>();
        switch (task.CancelState)
        {
            case TopLevelScopes top:
                for (var scope = top.Head; scope is not null; scope = scope.NextSibling)
                    outermost.Add(scope);
                break;
            case CancelScope own when ReferenceEquals(own.Owner, task):
                // The task's own root scope (a request's, CancelScope.EnterAsRoot): its tree is the task's.
                outermost.Add(own);
                break;
            case CancelScope root:
                foreach (var scope in root.Children())
                {
                    if (ReferenceEquals(scope.Owner, task))
                        outermost.Add(scope);
                }
                break;
        }
        return outermost;
    }

    static void DescribeScope(CancelScope scope, StringBuilder into, string indent)
    {
        // The scope's own text says how far its deadline is from now ("5 s after entry (in 4 s)").
        into.Append(indent).Append(scope).AppendLine();
        foreach (var inner in scope.Children())
        {
            if (ReferenceEquals(inner.Owner, scope.Owner))
                DescribeScope(inner, into, indent + "  ");
        }
        if (scope.Nursery is { } nursery)
        {
            foreach (var child in nursery.LiveChildren())
                child.Describe(into, indent + "  ");
        }
    }

    /// <summary>"0.25 s" under a minute, "1.02:03:04" (days.hours:minutes:seconds) above.</summary>
    internal static string Span(TimeSpan span)
        => span < TimeSpan.FromMinutes(1)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} s")
            : TimeSpan.FromSeconds(Math.Round(span.TotalSeconds)).ToString("c", System.Globalization.CultureInfo.InvariantCulture);
}
