using System.Text;

namespace Structured;

/// <summary>Writes the nursery part of <see cref="Loop.DumpTaskTree"/>: scopes, nurseries and their children.</summary>
internal static class TaskTreeText
{
    /// <summary>Appends the cancel scopes <paramref name="task"/> entered, outermost first, with the nurseries' children under them.</summary>
    internal static void DescribeScopes(TaskInfo task, StringBuilder into, string indent)
    {
        CancelScope? outermost = null;
        for (var scope = task.CancelState as CancelScope; scope is not null && ReferenceEquals(scope.Owner, task); scope = scope.Parent)
            outermost = scope;
        if (outermost is not null)
            DescribeScope(outermost, into, indent);
    }

    static void DescribeScope(CancelScope scope, StringBuilder into, string indent)
    {
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
}
