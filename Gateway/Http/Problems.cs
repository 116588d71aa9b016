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
