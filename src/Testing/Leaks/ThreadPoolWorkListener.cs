using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Structured.Testing;

/// <summary>
/// Sees <c>Task.Run</c> and <c>Task.Factory.StartNew</c> called on a test loop's thread, through the runtime's task events
/// (<c>System.Threading.Tasks.TplEventSource</c>): "TaskScheduled" is raised synchronously on the thread that queues the
/// task, "TaskCompleted" on the worker as the task's delegate returns, before the task's continuations run (so an awaited
/// Task.Run is always seen finished).
/// </summary>
/// <remarks>
/// An EventListener is process-wide: it exists only while a run that tracks leaks is on (counted by
/// <see cref="Acquire"/>/<see cref="Release"/>), and it ignores every event not raised on such a run's thread.
/// </remarks>
internal sealed class ThreadPoolWorkListener : EventListener
{
    const string TplEventSource = "System.Threading.Tasks.TplEventSource";
    // TaskTransfer | Tasks | TaskStops: TaskScheduled and TaskCompleted.
    const EventKeywords Keywords = (EventKeywords)0x43;

    static readonly Lock s_gate = new();
    static ThreadPoolWorkListener? s_listener;
    static int s_users;

    // Which run's task each scheduled task id belongs to, until it completes. Written from any thread.
    static readonly ConcurrentDictionary<int, LeakTracker> s_owners = new();

    internal static void Acquire()
    {
        lock (s_gate)
        {
            if (s_users++ == 0)
                s_listener = new ThreadPoolWorkListener();
        }
    }

    internal static void Release()
    {
        lock (s_gate)
        {
            if (--s_users == 0)
            {
                s_listener?.Dispose();
                s_listener = null;
            }
        }
    }

    /// <summary>Forgets the task ids of a run that is over.</summary>
    internal static void Forget(IEnumerable<int> taskIds)
    {
        foreach (var id in taskIds)
            s_owners.TryRemove(id, out _);
    }

    // Called from the base constructor for the sources that exist already: only static state may be used here.
    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == TplEventSource)
            EnableEvents(eventSource, EventLevel.Informational, Keywords);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        switch (eventData.EventName)
        {
            case "TaskScheduled" when LeakTracker.Current is { } tracker:
                // The scheduler the task was queued to: the loop's own scheduler runs it on the loop, that is no escape.
                if (Payload(eventData, "OriginatingTaskSchedulerID") is int scheduler && Payload(eventData, "TaskID") is int id
                    && tracker.IsThreadPoolScheduler(scheduler))
                {
                    s_owners[id] = tracker;
                    tracker.ThreadPoolWorkScheduled(id);
                }
                break;
            case "TaskCompleted":
                if (Payload(eventData, "TaskID") is int done && s_owners.TryRemove(done, out var owner))
                    owner.ThreadPoolWorkCompleted(done);
                break;
        }
    }

    static object? Payload(EventWrittenEventArgs eventData, string name)
    {
        var index = eventData.PayloadNames?.IndexOf(name) ?? -1;
        return index >= 0 && eventData.Payload is { } payload && index < payload.Count ? payload[index] : null;
    }
}
