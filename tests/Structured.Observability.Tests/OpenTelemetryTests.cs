using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ObservabilityTests;

public class OpenTelemetryTests
{
    [Fact]
    public void AddStructuredInstrumentation_exports_the_meter_and_the_activities()
    {
        var exported = new List<Metric>();
        var spans = new List<Activity>();
        List<Metric> metrics;
        using (var meters = Sdk.CreateMeterProviderBuilder().AddStructuredInstrumentation().AddInMemoryExporter(exported).Build())
        using (var traces = Sdk.CreateTracerProviderBuilder().AddStructuredInstrumentation().AddInMemoryExporter(spans).Build())
        {
            Run(async () => await Nursery.RunAsync(async nursery =>
            {
                nursery.StartSoon(async () => await Time.SleepAsync(S(1.5)), "worker");
                await Task.CompletedTask;
            }));
            meters.ForceFlush();
            traces.ForceFlush();
            metrics = [.. exported]; // one export (disposing the provider exports once more)
        }

        var started = Assert.Single(metrics, m => m.Name == "structured.task.started");
        Assert.Equal("{task}", started.Unit);
        Assert.Equal(MetricType.LongSum, started.MetricType);
        long total = 0;
        foreach (ref readonly var point in started.GetMetricPoints())
            total += point.GetSumLong();
        Assert.Equal(1, total);
        var duration = Assert.Single(metrics, m => m.Name == "structured.task.duration");
        Assert.Equal("s", duration.Unit);
        foreach (ref readonly var point in duration.GetMetricPoints())
            Assert.Equal(1.5, point.GetHistogramSum());
        Assert.Equal(StructuredTelemetry.MeterName, started.MeterName);

        var worker = Assert.Single(spans, s => s.DisplayName == "worker");
        var nurserySpan = Assert.Single(spans, s => s.OperationName == "structured.nursery");
        Assert.Equal(nurserySpan.SpanId, worker.ParentSpanId);
    }

    [Fact]
    public void A_view_that_drops_the_per_step_histograms_leaves_them_disabled_so_they_cost_nothing()
    {
        // docs/observability.md, "The cost of a listener": the per-step histograms are most of a listener's cost on the
        // loop; dropping them with a view must turn them off, not merely leave them out of the export.
        var exported = new List<Metric>();
        using var meters = Sdk.CreateMeterProviderBuilder()
            .AddStructuredInstrumentation()
            .AddView("structured.loop.lag", MetricStreamConfiguration.Drop)
            .AddView("structured.loop.step.duration", MetricStreamConfiguration.Drop)
            .AddInMemoryExporter(exported)
            .Build();
        // The meter's instruments exist once the library first measures.
        Run(async () => await Nursery.RunAsync(async nursery =>
        {
            nursery.StartSoon(async () => await Time.SleepAsync(S(1)), "worker");
            await Task.CompletedTask;
        }));
        var instruments = new Dictionary<string, System.Diagnostics.Metrics.Instrument>();
        using (var finder = new System.Diagnostics.Metrics.MeterListener())
        {
            // Only finds the instruments (never enables them), to read whether anyone else did.
            finder.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == StructuredTelemetry.MeterName)
                    instruments[instrument.Name] = instrument;
            };
            finder.Start();
        }
        Assert.False(instruments["structured.loop.lag"].Enabled);
        Assert.False(instruments["structured.loop.step.duration"].Enabled);
        Assert.True(instruments["structured.task.started"].Enabled);

        meters.ForceFlush();
        Assert.DoesNotContain(exported, m => m.Name is "structured.loop.lag" or "structured.loop.step.duration");
        Assert.Contains(exported, m => m.Name == "structured.task.started");
    }

    [Fact]
    public void The_extensions_refuse_a_null_builder()
    {
        Assert.Throws<ArgumentNullException>(() => StructuredMeterProviderBuilderExtensions.AddStructuredInstrumentation(null!));
        Assert.Throws<ArgumentNullException>(() => StructuredTracerProviderBuilderExtensions.AddStructuredInstrumentation(null!));
    }
}
