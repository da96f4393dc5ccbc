namespace Structured;

/// <summary>
/// The names under which Structured reports to the .NET observability stack: one <see cref="System.Diagnostics.Metrics.Meter"/>
/// and one <see cref="System.Diagnostics.ActivitySource"/>, both named <see cref="MeterName"/> ("Structured") and versioned
/// with the assembly. Listen with <c>dotnet-counters monitor --counters Structured</c>, a
/// <see cref="System.Diagnostics.Metrics.MeterListener"/>, or OpenTelemetry (<c>AddMeter("Structured")</c>,
/// <c>AddSource("Structured")</c>, or <c>AddStructuredInstrumentation()</c> of the Structured.OpenTelemetry package).
/// </summary>
/// <remarks>
/// Nothing is measured while nobody listens: each instrument is checked for a listener before a value is read or
/// recorded, and no activity is created unless a listener samples it. docs/observability.md lists every instrument.
/// </remarks>
public static class StructuredTelemetry
{
    /// <summary>The name of Structured's meter: "Structured".</summary>
    public const string MeterName = "Structured";

    /// <summary>The name of Structured's activity source (tracing): "Structured".</summary>
    public const string ActivitySourceName = "Structured";
}
