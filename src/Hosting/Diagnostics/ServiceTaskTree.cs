namespace Structured;

/// <summary>The task tree of one structured service at one moment, as <see cref="StructuredDiagnostics"/> read it.</summary>
public sealed class ServiceTaskTree
{
    internal ServiceTaskTree(string service, TaskTreeSource source, string tree)
    {
        Service = service;
        Source = source;
        Tree = tree;
    }

    /// <summary>The service's name (<see cref="StructuredService.Name"/>).</summary>
    public string Service { get; }

    /// <summary>Who wrote <see cref="Tree"/>: the loop itself (exact), or another thread (best effort), or nobody.</summary>
    public TaskTreeSource Source { get; }

    /// <summary>
    /// The tree as text, the format of <see cref="Loop.DumpTaskTree"/>: the tasks with their state and what each blocked
    /// one waits on, their cancel scopes with deadline (and how far it is from now), shield and cancel reason, and the
    /// nurseries' children under them. A tree not written by the loop starts with a line saying why.
    /// </summary>
    public string Tree { get; }

    /// <summary>The service's name, then its tree.</summary>
    public override string ToString() => $"service '{Service}':\n{Tree}";
}
