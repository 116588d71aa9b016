using System.Buffers;

namespace QpActors.Gateway.Http;

/// <summary>
/// A 200 response whose JSON body is already written (the family's risk status, written by the family
/// grain once per change, then this read's instant): the bytes go out as they are, without a serialiser or a copy.
/// </summary>
/// <param name="head">The start of the body, shared between responses (never written to here).</param>
/// <param name="tail">The rest of the body.</param>
public sealed class Utf8JsonResult(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> tail) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    /// <summary>What ASP.NET Core's own JSON results send.</summary>
    public const string JsonContentType = "application/json; charset=utf-8";

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => JsonContentType;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.ContentLength = head.Length + tail.Length;

        // Both parts go into the response's pipe before one flush, so they leave in the same write as a single body would.
        var body = response.BodyWriter;
        body.Write(head.Span);
        body.Write(tail.Span);
        await body.FlushAsync(httpContext.RequestAborted);
    }
}
