using Microsoft.AspNetCore.Http;
using Structured;

// In the namespace of HttpContext: found without an extra using.
namespace Microsoft.AspNetCore.Http;

/// <summary>Reads the <see cref="StructuredRequest"/> that <c>app.UseStructuredRequests()</c> gives each request.</summary>
public static class StructuredHttpContextExtensions
{
    /// <summary>The request's cancel scope and nursery.</summary>
    /// <param name="context">The request.</param>
    /// <returns>The request's <see cref="StructuredRequest"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The request did not go through <c>app.UseStructuredRequests()</c>: add it to the pipeline, before the endpoints.</exception>
    public static StructuredRequest GetStructuredRequest(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<StructuredRequest>() ?? throw new InvalidOperationException(
            $"The request {context.Request.Method} {context.Request.Path} has no structured scope: call app.UseStructuredRequests() before the endpoints (and builder.Services.AddStructuredRequests()).");
    }
}
