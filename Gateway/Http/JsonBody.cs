using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using QpActors.Gateway.Hosting;

namespace QpActors.Gateway.Http;

/// <summary>
/// Reads a request body as JSON within the size limit. The body is read here rather than bound by the
/// framework so that a malformed or oversized body gets the same problem details as any other error.
/// </summary>
public static class JsonBody
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32 };

    /// <summary>
    /// In the metadata of every route's 415 answer to a body that is not JSON, so a check over the routes' own endpoints can
    /// leave them out: they read no body and call no grain.
    /// </summary>
    public static readonly object NotJsonMarker = new NotJson();

    private sealed class NotJson;

    public static async Task<(JsonDocument? Document, ProblemHttpResult? Problem)> ReadAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            return (null, UnsupportedMediaType());
        }

        if (request.ContentLength > ApiLimits.MaxRequestBodyBytes)
        {
            return (null, TooLarge());
        }

        try
        {
            return (await JsonDocument.ParseAsync(request.Body, Options, context.RequestAborted), null);
        }
        catch (JsonException ex)
        {
            return (null, Problems.Invalid(context, "$", "is not valid JSON: " + ex.Message));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
    }

    public static ProblemHttpResult UnsupportedMediaType() =>
        Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as application/json.");

    private static ProblemHttpResult TooLarge() =>
        Problems.Status(StatusCodes.Status413PayloadTooLarge, "Request body too large",
            $"A request body may be at most {ApiLimits.MaxRequestBodyBytes} bytes; send a large queue as several batches of at most {ApiLimits.MaxBatchItems} events.");
}
