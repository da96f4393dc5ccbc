namespace PropertyTests;

/// <summary>A generated nursery scenario: what the nursery's body does itself, and the tasks it starts.</summary>
public sealed record TaskForest(TaskSpec Body, TaskSpec[] Tasks)
{
    /// <inheritdoc/>
    public override string ToString() => $"body {Body}, tasks [{string.Join(", ", Tasks.Select(t => t.ToString()))}]";

    internal IEnumerable<TaskForest> Shrink()
    {
        foreach (var tasks in Generators.ShrinkArray(Tasks, t => t.Shrink()))
            yield return this with { Tasks = tasks };
        foreach (var body in Body.Shrink())
            yield return this with { Body = body };
    }
}
