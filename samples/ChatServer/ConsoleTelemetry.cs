using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Chat;

/// <summary>
/// The <c>--telemetry</c> flag: Structured's metrics and traces (docs/observability.md) printed by OpenTelemetry's
/// console exporter. A real service would add an OTLP exporter in the same place.
/// </summary>
internal static class ConsoleTelemetry
{
    /// <summary>How often the hosted server prints its metrics.</summary>
    static readonly TimeSpan ServerExportInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the demo prints them (and once more when it ends): often enough to catch the room's named channel,
    /// which is reported while it is open, in a demo of two seconds.
    /// </summary>
    static readonly TimeSpan DemoExportInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// For the demo, which runs without a host: a meter provider and a tracer provider exporting to the console.
    /// Each named task and each nursery prints as an activity when it ends; disposing flushes the metrics.
    /// </summary>
    public static IDisposable StartForDemo()
    {
        var tracing = Sdk.CreateTracerProviderBuilder().AddStructuredInstrumentation().AddConsoleExporter().Build();
        var metrics = Sdk.CreateMeterProviderBuilder().AddStructuredInstrumentation().AddConsoleExporter(Every(DemoExportInterval)).Build();
        return new Providers(metrics, tracing);
    }

    /// <summary>For the hosted server: the same exporters through the host, metrics every <see cref="ServerExportInterval"/>.</summary>
    public static void AddTo(IServiceCollection services)
        => services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddStructuredInstrumentation().AddConsoleExporter(Every(ServerExportInterval)))
            .WithTracing(tracing => tracing.AddStructuredInstrumentation().AddConsoleExporter());

    static Action<OpenTelemetry.Exporter.ConsoleExporterOptions, MetricReaderOptions> Every(TimeSpan interval)
        => (_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)interval.TotalMilliseconds;

    // Traces first, then metrics: the metrics' final export is the last thing the demo prints.
    sealed class Providers(MeterProvider metrics, TracerProvider tracing) : IDisposable
    {
        public void Dispose()
        {
            tracing.Dispose();
            metrics.Dispose();
        }
    }
}
