using System.Diagnostics;
using System.Diagnostics.Metrics;
using Structured;

namespace Benchmarks;

/// <summary>
/// Listeners on Structured's meter and activity source, attached for the "+metrics" and "+traces" rows of the quick
/// mode (issue 15): what a service pays while <c>dotnet-counters</c> or an OpenTelemetry exporter listens. The
/// measurement callback counts into one total with an interlocked increment, the least an exporter's aggregation does.
/// </summary>
public sealed class TelemetryListeners : IDisposable
{
    static long s_measurements;
    static long s_activities;

    readonly MeterListener _meters;
    readonly ActivityListener? _activities;

    TelemetryListeners(bool traces)
    {
        _meters = new MeterListener
        {
            InstrumentPublished = static (instrument, listener) =>
            {
                if (instrument.Meter.Name == StructuredTelemetry.MeterName)
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        // The meter's instruments measure longs and doubles (observable ones ints too): one count per measurement.
        _meters.SetMeasurementEventCallback<long>(static (_, _, _, _) => Interlocked.Increment(ref s_measurements));
        _meters.SetMeasurementEventCallback<double>(static (_, _, _, _) => Interlocked.Increment(ref s_measurements));
        _meters.SetMeasurementEventCallback<int>(static (_, _, _, _) => Interlocked.Increment(ref s_measurements));
        _meters.Start();
        if (traces)
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = static source => source.Name == StructuredTelemetry.ActivitySourceName,
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = static _ => Interlocked.Increment(ref s_activities),
            };
            ActivitySource.AddActivityListener(_activities);
        }
    }

    /// <summary>Measurements recorded since the process started (every listener of this type).</summary>
    public static long Measurements => Interlocked.Read(ref s_measurements);

    /// <summary>Activities stopped since the process started.</summary>
    public static long Activities => Interlocked.Read(ref s_activities);

    /// <summary>Listens to every instrument of the meter, and with <paramref name="traces"/> samples every activity of the source.</summary>
    public static TelemetryListeners Attach(bool traces) => new(traces);

    /// <summary>Detaches both listeners: the instruments are disabled again.</summary>
    public void Dispose()
    {
        _activities?.Dispose();
        _meters.Dispose();
    }
}
