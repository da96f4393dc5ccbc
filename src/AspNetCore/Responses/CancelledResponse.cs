using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Structured;

/// <summary>
/// What a request whose scope caught its cancellation answers: 504 for a deadline (the incoming one, or one that ran
/// out downstream), 503 otherwise (the shutdown, an explicit <c>Scope.Cancel</c>), with an RFC 9457 problem-details body
/// that names the reason when the client accepts JSON. A response that had started cannot say it: it is aborted, so
/// that the client never takes the part it got for the whole.
/// </summary>
internal static class CancelledResponse
{
    static readonly MediaTypeHeaderValue s_json = new("application/json");
    static readonly MediaTypeHeaderValue s_problemJson = new("application/problem+json");

    internal static async Task WriteAsync(HttpContext context, bool byDeadline, string reason)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // The status line and part of the body are out: ending the response normally would pass a truncated body
            // for a complete one (chunked). An abort is what ASP.NET Core does for an error after the start.
            context.Abort();
            return;
        }
        // Whatever the handler had set (headers, a status) described a response that is not going to be.
        response.Clear();
        int status = byDeadline ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status503ServiceUnavailable;
        response.StatusCode = status;
        if (context.RequestServices?.GetService<IProblemDetailsService>() is { } problems)
        {
            // AddProblemDetails(): its writers choose by the Accept header, and its customizations apply.
            await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails { Status = status, Detail = reason },
            });
            return;
        }
        if (AcceptsJson(context.Request))
            await WriteProblemAsync(context, status, reason);
    }

    /// <summary>Whether the Accept header names JSON or problem JSON (or a range that covers them); no header: no body.</summary>
    static bool AcceptsJson(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        foreach (var range in accept)
        {
            if (s_json.IsSubsetOf(range) || s_problemJson.IsSubsetOf(range))
                return range.Quality != 0;
        }
        return false;
    }

    /// <summary>The problem details ASP.NET Core's default writer would write, without its services (and trimming-safe).</summary>
    static async Task WriteProblemAsync(HttpContext context, int status, string reason)
    {
        var body = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("type", status == StatusCodes.Status504GatewayTimeout
                ? "https://tools.ietf.org/html/rfc9110#section-15.6.5"
                : "https://tools.ietf.org/html/rfc9110#section-15.6.4");
            json.WriteString("title", status == StatusCodes.Status504GatewayTimeout ? "Gateway Timeout" : "Service Unavailable");
            json.WriteNumber("status", status);
            json.WriteString("detail", reason);
            json.WriteString("traceId", Activity.Current?.Id ?? context.TraceIdentifier);
            json.WriteEndObject();
        }
        context.Response.ContentType = "application/problem+json";
        context.Response.ContentLength = body.WrittenCount;
        await context.Response.Body.WriteAsync(body.WrittenMemory);
    }
}
