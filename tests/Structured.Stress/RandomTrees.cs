using System.Collections.Concurrent;

namespace Stress;

/// <summary>
/// Random trees of nurseries, cancel scopes (deadlines, shields) and children that throw, sleep, sleep until cancelled
/// and cancel their nursery. Rules: no child outlives its nursery (each nursery counts its live children when it
/// returns), every error thrown surfaces exactly once at the root and nothing else does, and nothing hangs (every
/// sleep-forever sits under a deadline that a shield does not keep out).
/// </summary>
internal static class RandomTrees
{
    internal static void OnLoop(StressContext context)
    {
        var random = new Random(context.Seed);
        for (int t = 0; t < context.Mode.OnLoopTrees; t++)
        {
            int seed = random.Next();
            context.Enter($"tree {t}, seed {seed} (on the loop)");
            var tree = Build(seed, onLoop: true);
            Harness.OnLoop(context, seed, () => RunTreeAsync(context, tree, seed));
        }
    }

    internal static void OffLoop(StressContext context)
    {
        var random = new Random(context.Seed);
        for (int t = 0; t < context.Mode.OffLoopTrees; t++)
        {
            int seed = random.Next();
            context.Enter($"tree {t}, seed {seed} (off the loop)");
            var tree = Build(seed, onLoop: false);
            Harness.OffLoop(() => RunTreeAsync(context, tree, seed));
        }
    }

    /// <summary>Trees with startables on the loop: <c>Started()</c> first thing or after a checkpoint.</summary>
    internal static void StartablesOnLoop(StressContext context)
    {
        var random = new Random(context.Seed);
        for (int t = 0; t < context.Mode.StartableTreesOnLoop; t++)
        {
            int seed = random.Next();
            context.Enter($"startable tree {t}, seed {seed} (on the loop)");
            var tree = Build(seed, onLoop: true, startableVariants: 2);
            Harness.OnLoop(context, seed, () => RunTreeAsync(context, tree, seed));
        }
    }

    /// <summary>
    /// Trees with startables on the thread pool, where a child may call <c>Started()</c> before <c>StartAsync</c> took
    /// its next step (issue 25, item 11): first thing, after a checkpoint, or from another pool thread.
    /// </summary>
    internal static void StartablesOffLoop(StressContext context)
    {
        var random = new Random(context.Seed);
        for (int t = 0; t < context.Mode.StartableTreesOffLoop; t++)
        {
            int seed = random.Next();
            context.Enter($"startable tree {t}, seed {seed} (off the loop)");
            var tree = Build(seed, onLoop: false, startableVariants: 3);
            Harness.OffLoop(() => RunTreeAsync(context, tree, seed));
        }
    }

    static TreeNode Build(int seed, bool onLoop, int startableVariants = 0)
    {
        var random = new Random(seed);
        // On the loop, virtual milliseconds; off it, real time of at most 2 ms per sleep.
        Func<TimeSpan> delay = onLoop
            ? () => TimeSpan.FromMilliseconds(random.Next(0, 100))
            : () => TimeSpan.FromTicks(random.Next(0, 20_000));
        int nextId = 0;
        var body = TreeNode.Generate(random, delay, depth: 5, canEnd: true, ref nextId, startableVariants);
        // The root: a scope whose deadline ends every sleep-forever outside a shield.
        return new TreeNode(TreeNodeKind.Scope, nextId, onLoop ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(20), children: [body]);
    }

    static async Task RunTreeAsync(StressContext context, TreeNode tree, int seed)
    {
        var thrown = new ConcurrentBag<int>();
        Exception? escaped = null;
        try
        {
            await RunNodeAsync(context, tree, thrown);
        }
        catch (Exception e)
        {
            escaped = e;
        }
        var surfaced = new List<int>();
        if (escaped is not null)
        {
            foreach (var leaf in Leaves(escaped))
            {
                if (leaf is TreeError error)
                    surfaced.Add(error.Id);
                else
                    context.Figures.Fail($"tree seed {seed}: the root let out {leaf.GetType().Name}: {leaf.Message} (only thrown errors may come out)");
            }
        }
        var expected = thrown.Order().ToList();
        surfaced.Sort();
        if (!expected.SequenceEqual(surfaced))
        {
            var lost = expected.Except(surfaced).ToList();
            var duplicated = surfaced.GroupBy(x => x).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            context.Figures.AddLost(lost.Count);
            context.Figures.AddDuplicated(surfaced.Count - surfaced.Distinct().Count());
            context.Figures.Fail($"tree seed {seed}: thrown [{string.Join(',', expected)}], surfaced [{string.Join(',', surfaced)}] "
                + $"(lost [{string.Join(',', lost)}], duplicated [{string.Join(',', duplicated)}])");
        }
        context.Figures.AddTrees(1);
        context.Figures.AddItems(tree.Count);
    }

    static async Task RunNodeAsync(StressContext context, TreeNode node, ConcurrentBag<int> thrown)
    {
        switch (node.Kind)
        {
            case TreeNodeKind.Nursery:
            {
                int alive = 0;
                try
                {
                    await Nursery.RunAsync(async n =>
                    {
                        foreach (var child in node.Children)
                        {
                            Interlocked.Increment(ref alive);
                            n.StartSoon(async () =>
                            {
                                try
                                {
                                    await RunNodeAsync(context, child, thrown);
                                }
                                finally
                                {
                                    Interlocked.Decrement(ref alive);
                                }
                            }, $"node {child.Id}");
                        }
                        await Task.CompletedTask;
                    });
                }
                finally
                {
                    if (Volatile.Read(ref alive) != 0)
                        context.Figures.Fail($"node {node.Id}: the nursery returned with {Volatile.Read(ref alive)} children still running");
                }
                break;
            }
            case TreeNodeKind.Scope:
            {
                var scope = node.Delay == TimeSpan.MaxValue
                    ? new CancelScope(shield: node.Shield)
                    : new CancelScope(Time.Now + node.Delay, node.Shield);
                await scope.RunAsync(() => RunNodeAsync(context, node.Children[0], thrown));
                break;
            }
            case TreeNodeKind.Startable:
                await Nursery.RunAsync(async n =>
                {
                    await n.StartAsync(async started =>
                    {
                        if (node.Variant == 2)
                        {
                            await Task.Run(() => started.Started());
                        }
                        else
                        {
                            if (node.Variant == 1)
                                await Checkpoint.YieldAsync();
                            started.Started();
                        }
                        await RunNodeAsync(context, node.Children[0], thrown);
                    }, $"node {node.Id}");
                });
                break;
            case TreeNodeKind.Throw:
                await Time.SleepAsync(node.Delay);
                thrown.Add(node.Id);
                throw new TreeError(node.Id);
            case TreeNodeKind.Sleep:
                await Time.SleepAsync(node.Delay);
                break;
            case TreeNodeKind.SleepForever:
                await Time.SleepForeverAsync();
                break;
            case TreeNodeKind.Checkpoints:
                for (int i = 0; i < 3; i++)
                    await Checkpoint.YieldAsync();
                break;
            case TreeNodeKind.CancelCurrent:
                await Time.SleepAsync(node.Delay);
                CancelScope.Current?.Cancel("a tree node cancels its scope");
                break;
        }
    }

    static IEnumerable<Exception> Leaves(Exception e)
    {
        if (e is AggregateException aggregate)
        {
            foreach (var inner in aggregate.InnerExceptions)
            {
                foreach (var leaf in Leaves(inner))
                    yield return leaf;
            }
        }
        else
        {
            yield return e;
        }
    }
}
