using Structured;

namespace OpenTelemetry.Trace;

/// <summary>Adds Structured's traces to an OpenTelemetry <see cref="TracerProviderBuilder"/>.</summary>
public static class StructuredTracerProviderBuilderExtensions
{
    /// <summary>
    /// Records the activities of Structured's activity source ("Structured"): one per nursery and one per named task
    /// (a name given to <c>StartSoon</c> or <c>StartAsync</c>), each a child of the activity that was current where it was
    /// started; a failure sets the status to Error with an exception event, a cancellation adds a
    /// <c>structured.cancel</c> event with the reason. Same as <c>AddSource("Structured")</c>.
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <remarks>Unnamed tasks get no activity of their own: name the tasks worth a span (a request handler, a worker).</remarks>
    public static TracerProviderBuilder AddStructuredInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(StructuredTelemetry.ActivitySourceName);
    }
}
