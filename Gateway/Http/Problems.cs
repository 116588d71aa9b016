using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using QpActors.Gateway.Application;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Http;

/// <summary>
/// RFC 9457 problem details for every failure. Field errors are listed under <c>errors</c> as
/// <c>[{field, message}]</c>, so a frontline app can point at each wrong field.
/// </summary>
public static class Problems
{
    public const string BreakGlassHeader = "X-Break-Glass-Reason";

    /// <summary>
    /// The <c>type</c> of every problem the gateway answers, one per status, set here rather than left to the framework's
    /// defaults: those have changed between releases (RFC 7231's sections became RFC 9110's) and have none for 429, and a
    /// client may branch on <c>type</c>. Listed in docs/design.md, "Problem details"; a status not listed keeps the framework's.
    /// </summary>
    public static readonly IReadOnlyDictionary<int, string> Types = new Dictionary<int, string>
    {
        [StatusCodes.Status400BadRequest] = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        [StatusCodes.Status401Unauthorized] = "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        [StatusCodes.Status403Forbidden] = "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        [StatusCodes.Status404NotFound] = "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        [StatusCodes.Status405MethodNotAllowed] = "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        [StatusCodes.Status413PayloadTooLarge] = "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        [StatusCodes.Status415UnsupportedMediaType] = "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        [StatusCodes.Status422UnprocessableEntity] = "https://tools.ietf.org/html/rfc9110#section-15.5.21",
        [StatusCodes.Status429TooManyRequests] = "https://tools.ietf.org/html/rfc6585#section-4",
        [StatusCodes.Status500InternalServerError] = "https://tools.ietf.org/html/rfc9110#section-15.6.1",
        [StatusCodes.Status503ServiceUnavailable] = "https://tools.ietf.org/html/rfc9110#section-15.6.4",
    };

    /// <summary>Gives a problem its stable <see cref="Types"/> entry, whoever wrote it (a route, the limiter, authentication, status code pages).</summary>
    public static void SetType(ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.Status is { } status && Types.TryGetValue(status, out var type))
        {
            problem.Type = type;
        }
    }

    public static ProblemHttpResult From<T>(OperationResult<T> result, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(context);
        var (status, title) = result.Status switch
        {
            OperationStatus.Invalid => (StatusCodes.Status400BadRequest, "The request is not valid"),
            OperationStatus.NotFound => (StatusCodes.Status404NotFound, "Not found"),
            OperationStatus.Forbidden => (StatusCodes.Status403Forbidden, "Not allowed"),
            OperationStatus.BreakGlassRequired => (StatusCodes.Status403Forbidden, "Outside your wards: a break-glass reason is required"),
            OperationStatus.Unprocessable => (StatusCodes.Status422UnprocessableEntity, "Cannot be processed"),
            OperationStatus.Unavailable => (StatusCodes.Status503ServiceUnavailable, "Busy or briefly unavailable"),
            OperationStatus.LimitReached => (StatusCodes.Status429TooManyRequests, "Too many open at once"),
            _ => throw new InvalidOperationException("A successful result is not a problem."),
        };
        var problem = new ProblemDetails { Status = status, Title = title, Detail = result.Detail };
        if (result.Errors.Count > 0)
        {
            problem.Extensions["errors"] = result.Errors;
        }

        if (result.Status == OperationStatus.BreakGlassRequired)
        {
            problem.Extensions["breakGlassHeader"] = BreakGlassHeader;
            problem.Extensions["minimumReasonLength"] = FamilyOperations.MinimumBreakGlassReasonLength;
            problem.Extensions["maximumReasonLength"] = FamilyOperations.MaximumBreakGlassReasonLength;
        }

        if (result.RetryAfter is { } retryAfter)
        {
            SetRetryAfter(context, retryAfter);
        }

        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult Invalid(HttpContext context, string field, string message) =>
        From(OperationResult<bool>.Invalid(field, message), context);

    public static ProblemHttpResult Status(int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail });

    public static void SetRetryAfter(HttpContext context, TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Field errors gathered by an adapter (query strings that do not parse) before the operation runs.</summary>
    public static ProblemHttpResult Invalid(HttpContext context, IReadOnlyList<FieldProblem> errors) =>
        From(OperationResult<bool>.Invalid(errors), context);
}
