// A quick tour of Structured: a nursery of workers, a timeout that cancels a slow one, an error that
// cancels its siblings, and the task tree that says who waits on what. Runs in about a second.
using Structured;

Loop.Run(async () =>
{
    var started = Time.Now;
    string Stamp() => $"[{(Time.Now - started).TotalMilliseconds,6:0} ms]";

    Console.WriteLine("1. A nursery waits for all of its children.");
    await Nursery.RunAsync(async nursery =>
    {
        foreach (var (name, ms) in new[] { ("fetch users", 120), ("fetch orders", 60), ("fetch prices", 90) })
        {
            nursery.StartSoon(async () =>
            {
                await Time.SleepAsync(TimeSpan.FromMilliseconds(ms));
                Console.WriteLine($"   {Stamp()} {name} done");
            }, name);
        }
        await Time.SleepAsync(TimeSpan.FromMilliseconds(30));
        Console.WriteLine($"   {Stamp()} the task tree while they run:");
        foreach (var line in Loop.Current!.DumpTaskTree().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Console.WriteLine("     " + line);
    });
    Console.WriteLine($"   {Stamp()} nursery closed: every child finished.\n");

    Console.WriteLine("2. A deadline cancels everything inside its scope, and says why.");
    var scope = CancelScope.MoveOnAfter(TimeSpan.FromMilliseconds(100));
    await scope.RunAsync(async () =>
    {
        try
        {
            await Time.SleepAsync(TimeSpan.FromSeconds(10));
        }
        catch (Cancelled cancelled)
        {
            Console.WriteLine($"   {Stamp()} slow call cancelled: {cancelled.Reason}");
            throw;
        }
    });
    Console.WriteLine($"   {Stamp()} the scope caught its own cancellation: CancelledCaught = {scope.CancelledCaught}\n");

    Console.WriteLine("3. A failing child cancels its siblings; the nursery reports every error.");
    try
    {
        await Nursery.RunAsync(async nursery =>
        {
            nursery.StartSoon(async () =>
            {
                try
                {
                    await Time.SleepForeverAsync();
                }
                catch (Cancelled cancelled)
                {
                    Console.WriteLine($"   {Stamp()} sibling cancelled: {cancelled.Reason}");
                    throw;
                }
            }, "patient sibling");
            nursery.StartSoon(async () =>
            {
                await Time.SleepAsync(TimeSpan.FromMilliseconds(50));
                throw new InvalidOperationException("the database is on fire");
            }, "doomed worker");
        });
    }
    catch (AggregateException errors)
    {
        foreach (var error in errors.InnerExceptions)
            Console.WriteLine($"   {Stamp()} nursery reported {error.GetType().Name}: {error.Message}");
    }
    Console.WriteLine($"\nDone in {Stamp()}: no task left behind.");
});
