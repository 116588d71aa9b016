using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Application;

/// <summary>How an operation ended; each transport maps these the same way (HTTP status, gRPC status code).</summary>
public enum OperationStatus
{
    Ok,

    /// <summary>The input is wrong; <see cref="OperationResult{T}.Errors"/> names every bad field. Nothing changed.</summary>
    Invalid,

    NotFound,

    /// <summary>The caller's role or binding does not allow this.</summary>
    Forbidden,

    /// <summary>The family is outside the caller's wards: only a break-glass reason opens it.</summary>
    BreakGlassRequired,

    /// <summary>Well-formed, but nothing in the system can take it (a gap in the grain contracts).</summary>
    Unprocessable,

    /// <summary>The cluster is overloaded or briefly unreachable: retry after <see cref="OperationResult{T}.RetryAfter"/>.</summary>
    Unavailable,

    /// <summary>
    /// The caller, or the gateway, already holds as many of these as it may (live streams): retry after
    /// <see cref="OperationResult{T}.RetryAfter"/>, or once one of them ends. Nothing was started.
    /// </summary>
    LimitReached,
}

/// <summary>The outcome of an application operation: a value, or why there is none.</summary>
public sealed record OperationResult<T>(
    OperationStatus Status,
    T? Value,
    string? Detail,
    IReadOnlyList<FieldProblem> Errors,
    TimeSpan? RetryAfter)
{
    public bool IsOk => Status == OperationStatus.Ok;

    public static OperationResult<T> Ok(T value) => new(OperationStatus.Ok, value, null, [], null);

    public static OperationResult<T> Invalid(IReadOnlyList<FieldProblem> errors, string? detail = null) =>
        new(OperationStatus.Invalid, default, detail ?? "The request has invalid fields; nothing was changed.", errors, null);

    public static OperationResult<T> Invalid(string field, string message) => Invalid([new FieldProblem(field, message)]);

    public static OperationResult<T> Fail(OperationStatus status, string detail) => new(status, default, detail, [], null);

    public static OperationResult<T> Unavailable(string detail, TimeSpan retryAfter) =>
        new(OperationStatus.Unavailable, default, detail, [], retryAfter);

    /// <summary>The same failure carrying another value type.</summary>
    public OperationResult<TOther> As<TOther>() =>
        IsOk ? throw new InvalidOperationException("Only a failure converts.") : new(Status, default, Detail, Errors, RetryAfter);
}
