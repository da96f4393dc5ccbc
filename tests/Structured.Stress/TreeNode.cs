namespace Stress;

/// <summary>One node of a random tree of nurseries, scopes and leaves (<see cref="RandomTrees"/>).</summary>
internal sealed class TreeNode(TreeNodeKind kind, int id, TimeSpan delay, bool shield = false, TreeNode[]? children = null, int variant = 0)
{
    internal TreeNodeKind Kind => kind;

    /// <summary>The node's number in its tree; a Throw node's error carries it.</summary>
    internal int Id => id;

    /// <summary>A leaf's sleep, or a scope's deadline after entry (<see cref="TimeSpan.MaxValue"/>: none).</summary>
    internal TimeSpan Delay => delay;

    internal bool Shield => shield;

    /// <summary>How a <see cref="TreeNodeKind.Startable"/> calls <c>Started</c>.</summary>
    internal int Variant => variant;

    internal TreeNode[] Children => children ?? [];

    internal int Count => 1 + Children.Sum(c => c.Count);

    /// <summary>
    /// A random tree. <paramref name="canEnd"/>: some deadline is sure to cancel this node (an enclosing scope's, not
    /// kept out by a shield), so it may sleep forever. <paramref name="startableVariants"/>: how many of the ways of
    /// calling <c>Started</c> the tree's startables may use (0: no startables, and the same trees as before them).
    /// </summary>
    internal static TreeNode Generate(Random random, Func<TimeSpan> delay, int depth, bool canEnd, ref int nextId, int startableVariants = 0)
    {
        int id = nextId++;
        if (depth <= 0 || random.Next(10) < 4)
        {
            int pick = random.Next(10);
            var kind = pick switch
            {
                < 2 => TreeNodeKind.Throw,
                < 5 => TreeNodeKind.Sleep,
                < 7 => canEnd ? TreeNodeKind.SleepForever : TreeNodeKind.Checkpoints,
                < 9 => TreeNodeKind.Checkpoints,
                _ => TreeNodeKind.CancelCurrent,
            };
            return new TreeNode(kind, id, delay());
        }
        if (startableVariants > 0 && random.Next(3) == 0)
        {
            int variant = random.Next(startableVariants);
            var started = Generate(random, delay, depth - 1, canEnd, ref nextId, startableVariants);
            return new TreeNode(TreeNodeKind.Startable, id, TimeSpan.Zero, children: [started], variant: variant);
        }
        if (random.Next(2) == 0)
        {
            var children = new TreeNode[random.Next(1, 5)];
            for (int i = 0; i < children.Length; i++)
                children[i] = Generate(random, delay, depth - 1, canEnd, ref nextId, startableVariants);
            return new TreeNode(TreeNodeKind.Nursery, id, TimeSpan.Zero, children: children);
        }
        bool hasDeadline = random.Next(10) < 6;
        bool shield = random.Next(4) == 0;
        bool bodyCanEnd = hasDeadline || (canEnd && !shield);
        var body = Generate(random, delay, depth - 1, bodyCanEnd, ref nextId, startableVariants);
        return new TreeNode(TreeNodeKind.Scope, id, hasDeadline ? delay() : TimeSpan.MaxValue, shield, [body]);
    }
}
