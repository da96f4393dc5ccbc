using Structured;

namespace OpenTelemetry.Metrics;

/// <summary>Adds Structured's metrics to an OpenTelemetry <see cref="MeterProviderBuilder"/>.</summary>
public static class StructuredMeterProviderBuilderExtensions
{
    /// <summary>
    /// Collects the instruments of Structured's meter ("Structured"): tasks, nurseries, cancellations, loops and named
    /// channels (docs/observability.md lists them). Same as <c>AddMeter("Structured")</c>.
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <example>
    /// <code>
    /// using var meters = Sdk.CreateMeterProviderBuilder()
    ///     .AddStructuredInstrumentation()
    ///     .AddConsoleExporter()
    ///     .Build();
    /// </code>
    /// </example>
    public static MeterProviderBuilder AddStructuredInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(StructuredTelemetry.MeterName);
    }
}
