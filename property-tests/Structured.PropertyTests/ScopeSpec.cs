using System.Text;

namespace PropertyTests;

/// <summary>
/// A generated cancel scope: its body sleeps <see cref="Before"/> s, runs its <see cref="Children"/> scopes one
/// after the other, then sleeps <see cref="After"/> s. It may have a deadline and an explicit cancel (by another
/// task) at <c>time + 0.5 s + Id ms</c>, so that no two events and no sleep ever end at the same instant, and
/// it may be shielded.
/// </summary>
public sealed record ScopeSpec(int Id, int Before, int After, int? Deadline, int? CancelAt, bool Shield, ScopeSpec[] Children)
{
    const long TicksPerSecond = TimeSpan.TicksPerSecond;

    /// <summary>The instant of an event at whole second <paramref name="second"/> of this scope, in ticks.</summary>
    internal long EventTicks(int second) => (second * TicksPerSecond) + (TicksPerSecond / 2) + (Id * TimeSpan.TicksPerMillisecond);

    /// <summary>When this scope is first cancelled (deadline or explicit cancel), in ticks, or long.MaxValue.</summary>
    internal long FirstEventTicks => Math.Min(Deadline is int d ? EventTicks(d) : long.MaxValue, CancelAt is int c ? EventTicks(c) : long.MaxValue);

    /// <summary>This scope and every scope under it, depth first.</summary>
    internal IEnumerable<ScopeSpec> All()
    {
        yield return this;
        foreach (var child in Children)
        {
            foreach (var scope in child.All())
                yield return scope;
        }
    }

    /// <summary>Numbers the scopes depth first from 1 (the event offsets depend on it).</summary>
    internal static ScopeSpec Number(ScopeSpec root)
    {
        int next = 1;
        ScopeSpec Walk(ScopeSpec s)
        {
            int id = next++;
            return s with { Id = id, Children = [.. s.Children.Select(Walk)] };
        }
        return Walk(root);
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append('#').Append(Id).Append("(sleep ").Append(Before).Append('/').Append(After);
        if (Deadline is int d)
            text.Append(", deadline ").Append(d).Append(".5");
        if (CancelAt is int c)
            text.Append(", cancel at ").Append(c).Append(".5");
        if (Shield)
            text.Append(", shield");
        if (Children.Length > 0)
            text.Append(", [").Append(string.Join(", ", Children.Select(x => x.ToString()))).Append(']');
        return text.Append(')').ToString();
    }

    internal IEnumerable<ScopeSpec> Shrink()
    {
        for (int i = 0; i < Children.Length; i++)
            yield return this with { Children = [.. Children[..i], .. Children[(i + 1)..]] };
        if (Deadline is not null)
            yield return this with { Deadline = null };
        if (CancelAt is not null)
            yield return this with { CancelAt = null };
        if (Shield)
            yield return this with { Shield = false };
        if (Before > 0)
            yield return this with { Before = 0 };
        if (After > 0)
            yield return this with { After = 0 };
        for (int i = 0; i < Children.Length; i++)
        {
            foreach (var smaller in Children[i].Shrink())
                yield return this with { Children = [.. Children[..i], smaller, .. Children[(i + 1)..]] };
        }
    }
}
