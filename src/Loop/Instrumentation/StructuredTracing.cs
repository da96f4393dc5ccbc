using System.Diagnostics;

namespace Structured;

/// <summary>
/// Structured's <see cref="ActivitySource"/> ("Structured"): an activity per nursery and per named task, made by
/// Structured.Nursery only when a listener samples it (see docs/observability.md, Tracing).
/// </summary>
internal static class StructuredTracing
{
    internal static readonly ActivitySource Source = new(StructuredTelemetry.ActivitySourceName, StructuredMetrics.Version);

    /// <summary>The operation name of a nursery's activity (its display name says whose nursery).</summary>
    internal const string NurseryOperation = "structured.nursery";

    /// <summary>The operation name of a named task's activity (its display name is the task's name).</summary>
    internal const string TaskOperation = "structured.task";

    /// <summary>The event added when a cancellation reaches a nursery or a task.</summary>
    internal const string CancelEvent = "structured.cancel";
}
