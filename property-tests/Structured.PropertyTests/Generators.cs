using FsCheck;
using FsCheck.Fluent;

namespace PropertyTests;

/// <summary>FsCheck arbitraries of the generated scenarios (register with <c>Arbitrary = new[] { typeof(Generators) }</c>).</summary>
public static class Generators
{
    static Gen<bool> Chance(int inFive) => Gen.Frequency((inFive, Gen.Constant(true)), (5 - inFive, Gen.Constant(false)));

    static Gen<TaskSpec> Task(int depth)
    {
        var children = depth == 0
            ? Gen.Constant(Array.Empty<TaskSpec>())
            : Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Choose(1, 3))).SelectMany(k => Gen.ArrayOf(Task(depth - 1), k));
        return from steps in Gen.Choose(0, 3)
               from fails in Chance(1)
               from throwsWhenCancelled in Chance(1)
               from spawnsSibling in Chance(1)
               from kids in children
               select new TaskSpec(steps, fails, throwsWhenCancelled, spawnsSibling, kids);
    }

    /// <summary>The top of a nursery scenario: up to four tasks, nested up to two levels.</summary>
    public static Arbitrary<TaskForest> Tasks()
        => Arb.From(
            from body in Task(0)
            from tasks in Gen.Choose(1, 4).SelectMany(k => Gen.ArrayOf(Task(2), k))
            select new TaskForest(body, tasks),
            forest => forest.Shrink());

    /// <summary>Channel scenarios: a capacity, senders and receivers with deadlines, pauses and early closes.</summary>
    public static Arbitrary<ChannelPlan> Channels()
    {
        var deadline = Gen.Frequency((2, Gen.Constant<int?>(null)), (1, Gen.Choose(1, 30).Select(ms => (int?)ms)));
        var sender = from items in Gen.Choose(0, 6)
                     from pause in Gen.Choose(0, 3)
                     from d in deadline
                     from trySend in Chance(1)
                     select new SenderPlan(items, pause, d, trySend);
        var receiver = from pause in Gen.Choose(0, 3)
                       from d in deadline
                       from closeAfter in Gen.Frequency((3, Gen.Constant<int?>(null)), (1, Gen.Choose(0, 4).Select(k => (int?)k)))
                       select new ReceiverPlan(pause, d, closeAfter);
        var plan = from capacity in Gen.Elements(0, 1, 2, 5, MemoryChannel.Unbounded)
                   from senders in Gen.Choose(1, 3).SelectMany(k => Gen.ArrayOf(sender, k))
                   from receivers in Gen.Choose(0, 3).SelectMany(k => Gen.ArrayOf(receiver, k))
                   select new ChannelPlan(capacity, senders, receivers);
        return Arb.From(plan, p => p.Shrink());
    }

    /// <summary>Cancel-scope trees: nested scopes with deadlines, explicit cancels and shields.</summary>
    public static Arbitrary<ScopeSpec> Scopes()
        => Arb.From(Gen.Sized(_ => Scope(3)).Select(ScopeSpec.Number), s => s.Shrink().Select(ScopeSpec.Number));

    static Gen<ScopeSpec> Scope(int depth)
    {
        var children = depth == 0
            ? Gen.Constant(Array.Empty<ScopeSpec>())
            : Gen.Frequency((2, Gen.Constant(0)), (3, Gen.Choose(1, 3))).SelectMany(k => Gen.ArrayOf(Scope(depth - 1), k));
        var time = Gen.Frequency((1, Gen.Constant<int?>(null)), (1, Gen.Choose(0, 8).Select(t => (int?)t)));
        var cancel = Gen.Frequency((2, Gen.Constant<int?>(null)), (1, Gen.Choose(0, 8).Select(t => (int?)t)));
        return from before in Gen.Choose(0, 3)
               from after in Gen.Choose(0, 3)
               from deadline in time
               from cancelAt in cancel
               from shield in Chance(1)
               from kids in children
               select new ScopeSpec(0, before, after, deadline, cancelAt, shield, kids);
    }

    /// <summary>Lock and semaphore scenarios: tasks with iterations, pauses and cancelled waits.</summary>
    public static Arbitrary<SyncPlan> Sync()
    {
        var worker = from iterations in Gen.Choose(1, 3)
                     from before in Gen.Choose(0, 2)
                     from inside in Gen.Choose(0, 2)
                     from deadline in Gen.Frequency((3, Gen.Constant<int?>(null)), (1, Gen.Choose(0, 3).Select(t => (int?)t)))
                     select new WorkerPlan(iterations, before, inside, deadline);
        var plan = from permits in Gen.Choose(1, 3)
                   from workers in Gen.Choose(2, 5).SelectMany(k => Gen.ArrayOf(worker, k))
                   select new SyncPlan(permits, workers);
        return Arb.From(plan, p => p.Shrink());
    }

    internal static IEnumerable<T[]> ShrinkArray<T>(T[] items, Func<T, IEnumerable<T>> shrinkItem)
    {
        for (int i = 0; i < items.Length; i++)
        {
            if (items.Length > 1)
                yield return [.. items[..i], .. items[(i + 1)..]];
        }
        for (int i = 0; i < items.Length; i++)
        {
            foreach (var smaller in shrinkItem(items[i]))
                yield return [.. items[..i], smaller, .. items[(i + 1)..]];
        }
    }
}
