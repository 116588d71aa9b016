namespace QpActors.Gateway.Http;

/// <summary>
/// A 200 response whose JSON body is already written (the family's risk status, written by the family
/// grain once per change): the bytes go out as they are, without a serialiser or a copy.
/// </summary>
public sealed class Utf8JsonResult(ReadOnlyMemory<byte> body) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    /// <summary>What ASP.NET Core's own JSON results send.</summary>
    public const string JsonContentType = "application/json; charset=utf-8";

    public ReadOnlyMemory<byte> Body => body;

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => JsonContentType;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.ContentLength = body.Length;
        await response.BodyWriter.WriteAsync(body, httpContext.RequestAborted);
    }
}
