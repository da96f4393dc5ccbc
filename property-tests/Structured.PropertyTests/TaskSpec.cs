using System.Text;

namespace PropertyTests;

/// <summary>
/// A generated task for the nursery properties: it checkpoints <see cref="Steps"/> times, then runs its
/// <see cref="Children"/> in a nursery of its own, then fails if <see cref="Fails"/>. With
/// <see cref="ThrowsWhenCancelled"/> it turns a cancellation into an error of its own; with
/// <see cref="SpawnsSibling"/> it starts a late sibling into its parent's nursery first.
/// </summary>
public sealed record TaskSpec(int Steps, bool Fails, bool ThrowsWhenCancelled, bool SpawnsSibling, TaskSpec[] Children)
{
    /// <summary>The scenario as text, for FsCheck's report.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("Task(").Append(Steps);
        if (Fails)
            text.Append(", fails");
        if (ThrowsWhenCancelled)
            text.Append(", throws when cancelled");
        if (SpawnsSibling)
            text.Append(", spawns sibling");
        if (Children.Length > 0)
            text.Append(", [").Append(string.Join(", ", Children.Select(c => c.ToString()))).Append(']');
        return text.Append(')').ToString();
    }

    /// <summary>Smaller versions of this task, for FsCheck's shrinker: fewer children, fewer steps, fewer flags.</summary>
    internal IEnumerable<TaskSpec> Shrink()
    {
        for (int i = 0; i < Children.Length; i++)
            yield return this with { Children = [.. Children[..i], .. Children[(i + 1)..]] };
        if (Fails)
            yield return this with { Fails = false };
        if (ThrowsWhenCancelled)
            yield return this with { ThrowsWhenCancelled = false };
        if (SpawnsSibling)
            yield return this with { SpawnsSibling = false };
        if (Steps > 0)
            yield return this with { Steps = 0 };
        for (int i = 0; i < Children.Length; i++)
        {
            foreach (var smaller in Children[i].Shrink())
                yield return this with { Children = [.. Children[..i], smaller, .. Children[(i + 1)..]] };
        }
    }
}
