namespace Structured.Testing;

/// <summary>What a <see cref="Leak"/> is.</summary>
public enum LeakKind
{
    /// <summary>A task of Structured still alive (a report taken during the run: every task still running then).</summary>
    Task,

    /// <summary>A send or receive end of a memory channel that was never closed (Trio warns of these with a ResourceWarning).</summary>
    ChannelEnd,

    /// <summary>
    /// Work that a task of the test started on the thread pool with <c>Task.Run</c> or <c>Task.Factory.StartNew</c>, outside
    /// every nursery, and that had not finished (or not even started) when the run ended.
    /// </summary>
    ThreadPoolWork,
}
