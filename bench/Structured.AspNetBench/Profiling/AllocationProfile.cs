using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace AspNetBench;

/// <summary>
/// Allocation by type, sampled in this process: the runtime's GCAllocationTick events (one about every 100 KB, naming
/// the type of the object that crossed the mark) while one in-process case of <see cref="RequestMiddlewareBenchmarks"/>
/// runs (<c>--profile ScopedNursery</c>). What the exact bytes of <c>--bytes</c> are made of, without a trace tool.
/// </summary>
public sealed class AllocationProfile : EventListener
{
    readonly ConcurrentDictionary<string, long> _bytes = new();
    volatile bool _on;

    /// <inheritdoc/>
    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // the GC keyword
    }

    /// <inheritdoc/>
    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_on || eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.Payload is null)
            return;
        int typeIndex = eventData.PayloadNames!.IndexOf("TypeName");
        int amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        if (typeIndex < 0 || amountIndex < 0)
            return;
        var type = eventData.Payload[typeIndex] as string ?? "?";
        long amount = Convert.ToInt64(eventData.Payload[amountIndex], CultureInfo.InvariantCulture);
        _bytes.AddOrUpdate(type, amount, (_, b) => b + amount);
    }

    /// <summary>Runs the case <paramref name="method"/> <paramref name="count"/> times to warm up, then sampled; prints the types, largest share first, as bytes per request.</summary>
    public static int Run(string method, int count)
    {
        var benchmarks = new RequestMiddlewareBenchmarks();
        benchmarks.Setup();
        var run = typeof(RequestMiddlewareBenchmarks).GetMethod(method)?.CreateDelegate<Action>(benchmarks)
            ?? throw new ArgumentException($"No case '{method}' in RequestMiddlewareBenchmarks.", nameof(method));
        using var profile = new AllocationProfile();
        for (int i = 0; i < count; i++)
            run();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        profile._on = true;
        for (int i = 0; i < count; i++)
            run();
        profile._on = false;
        double perRequest = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)count;
        benchmarks.Cleanup();
        var top = profile._bytes.OrderByDescending(static p => p.Value).ToList();
        double sampled = top.Sum(static p => p.Value);
        Console.WriteLine($"{method}: {perRequest:0} B/request; by type (sampled, scaled to B/request):");
        foreach (var (type, bytes) in top.Take(25))
            Console.WriteLine($"{bytes / sampled * perRequest,7:0} B  {type}");
        return 0;
    }
}
