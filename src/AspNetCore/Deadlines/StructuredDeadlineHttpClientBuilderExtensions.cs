using Microsoft.Extensions.Http;
using Structured;

// In the namespace of IHttpClientBuilder: found without an extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds <see cref="StructuredDeadlineHandler"/> to clients of <c>IHttpClientFactory</c>.</summary>
public static class StructuredDeadlineHttpClientBuilderExtensions
{
    /// <summary>
    /// Sends the calling code's remaining deadline with every request of this client, and cancels the request with
    /// the calling code's scope; a deadline that has passed fails before anything is sent, and a 504 for the deadline
    /// sent ends the caller as its deadline (see <see cref="StructuredDeadlineHandler"/>).
    /// </summary>
    /// <remarks>
    /// The handler goes after every other handler of the client, whatever the order of the calls (a resilience handler
    /// such as <c>AddStandardResilienceHandler()</c> included), so that each attempt of a retry sends what remains then;
    /// with other handlers, a link to the caller's scope also goes before them all, so that the scope ends the waits
    /// between attempts too.
    /// </remarks>
    /// <param name="builder">The client, from <c>services.AddHttpClient(...)</c>.</param>
    /// <param name="headerName">The header to send; the default is <see cref="StructuredRequestOptions.DefaultDeadlineHeader"/>, what <c>AddStructuredRequests(o =&gt; o.DeadlineHeader = ...)</c> reads.</param>
    /// <param name="margin">The time kept back for the answer: the receiver is told the remaining time less this, so that its deadline fires first and its answer gets back in time (see <see cref="StructuredDeadlineHandler"/>). The default is zero.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="headerName"/> is empty or white space.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="margin"/> is negative.</exception>
    /// <example>
    /// <code>
    /// builder.Services.AddHttpClient("inventory", c => c.BaseAddress = new Uri("http://inventory"))
    ///     .AddStructuredDeadlines();
    /// </code>
    /// </example>
    public static IHttpClientBuilder AddStructuredDeadlines(this IHttpClientBuilder builder, string headerName = StructuredRequestOptions.DefaultDeadlineHeader, TimeSpan margin = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(headerName);
        ArgumentOutOfRangeException.ThrowIfLessThan(margin, TimeSpan.Zero);
        // After every other handler of the client, whatever the order of the calls: a PostConfigure runs after all the
        // Configure actions that AddHttpMessageHandler and AddStandardResilienceHandler() register. Innermost, the
        // deadline is sent by each attempt of a retry with what remains then; outermost, the scope also ends the waits
        // between attempts.
        builder.Services.PostConfigure<HttpClientFactoryOptions>(builder.Name, options => options.HttpMessageHandlerBuilderActions.Add(handlers =>
        {
            // The scope is linked once per send: by the outer half when there is one, else by the deadline handler.
            bool linkOutside = handlers.AdditionalHandlers.Count > 0;
            if (linkOutside)
                handlers.AdditionalHandlers.Insert(0, new StructuredScopeLinkHandler());
            handlers.AdditionalHandlers.Add(new StructuredDeadlineHandler(headerName, margin, scopeLinkedOutside: linkOutside));
        }));
        return builder;
    }
}
