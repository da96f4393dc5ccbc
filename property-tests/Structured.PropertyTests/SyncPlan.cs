namespace PropertyTests;

/// <summary>A generated lock or semaphore scenario: the semaphore's permits and the workers.</summary>
public sealed record SyncPlan(int Permits, WorkerPlan[] Workers)
{
    /// <inheritdoc/>
    public override string ToString() => $"permits {Permits}, workers [{string.Join(", ", Workers.Select(w => w.ToString()))}]";

    internal IEnumerable<SyncPlan> Shrink()
    {
        foreach (var workers in Generators.ShrinkArray(Workers, ShrinkWorker))
        {
            if (workers.Length >= 2)
                yield return this with { Workers = workers };
        }
        if (Permits > 1)
            yield return this with { Permits = Permits - 1 };
    }

    static IEnumerable<WorkerPlan> ShrinkWorker(WorkerPlan w)
    {
        if (w.Iterations > 1)
            yield return w with { Iterations = w.Iterations - 1 };
        if (w.YieldsBefore > 0)
            yield return w with { YieldsBefore = 0 };
        if (w.HoldSeconds > 0)
            yield return w with { HoldSeconds = 0 };
        if (w.DeadlineSeconds is not null)
            yield return w with { DeadlineSeconds = null };
    }
}
