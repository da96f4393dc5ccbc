using System.Diagnostics.Metrics;

namespace ObservabilityTests;

/// <summary>One measurement: the instrument's name, the value and its tags.</summary>
internal sealed record Recorded(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public object? Tag(string name) => Tags.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A <see cref="MeterListener"/> of every instrument of the "Structured" meter, recording each measurement (from any
/// thread). Observable instruments are read by <see cref="Observe"/>.
/// </summary>
internal sealed class MetricRecorder : IDisposable
{
    readonly MeterListener _listener = new();
    readonly List<Recorded> _measurements = [];
    readonly HashSet<string> _published = [];

    public MetricRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != StructuredTelemetry.MeterName)
                return;
            lock (_measurements)
                _published.Add(instrument.Name);
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The names of the instruments the meter has published so far.</summary>
    public IReadOnlyCollection<string> Published
    {
        get
        {
            lock (_measurements)
                return [.. _published];
        }
    }

    void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var map = new Dictionary<string, object?>();
        foreach (var tag in tags)
            map[tag.Key] = tag.Value;
        lock (_measurements)
            _measurements.Add(new Recorded(instrument.Name, value, map));
    }

    /// <summary>Reads the observable instruments now (their callbacks run on this thread) and returns what they reported.</summary>
    public List<Recorded> Observe()
    {
        int before;
        lock (_measurements)
            before = _measurements.Count;
        _listener.RecordObservableInstruments();
        lock (_measurements)
            return _measurements.Skip(before).ToList();
    }

    /// <summary>Every measurement of <paramref name="instrument"/> so far.</summary>
    public List<Recorded> Of(string instrument)
    {
        lock (_measurements)
            return _measurements.Where(m => m.Instrument == instrument).ToList();
    }

    /// <summary>The sum of the measurements of a counter, optionally of those with one tag value.</summary>
    public double Sum(string instrument, string? tag = null, object? value = null)
        => Of(instrument).Where(m => tag is null || Equals(m.Tag(tag), value)).Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}
