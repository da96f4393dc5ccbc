using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace BenchShared;

/// <summary>
/// Allocation by type, sampled in this process: the runtime's GCAllocationTick events (one about every 100 KB
/// allocated, naming the type of the object that crossed the mark), counted while <see cref="Start"/>ed. Shared by the
/// benchmark projects' <c>--profile</c> modes (linked into each), so that they read the same events the same way.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    readonly ConcurrentDictionary<string, long> _bytes = new();
    volatile bool _on;

    /// <summary>Starts counting samples.</summary>
    public void Start() => _on = true;

    /// <summary>Stops counting; returns the sampled bytes per type, largest first.</summary>
    public List<(string Type, long Bytes)> Stop()
    {
        _on = false;
        return [.. _bytes.Select(static p => (p.Key, p.Value)).OrderByDescending(static p => p.Value)];
    }

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
}
