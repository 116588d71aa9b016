namespace QpActors.Simulation.Client;

/// <summary>A field error as the gateway reports it: <c>field</c> is a JSON path such as <c>data.dateOfBirth</c>.</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>The gateway's answer for one event: accepted, duplicate (already recorded) or rejected with field errors.</summary>
public sealed record ContactReceipt(string EventId, string Status, long? Version, IReadOnlyList<FieldError>? Errors)
{
    public const string Accepted = "accepted";
    public const string Duplicate = "duplicate";
    public const string Rejected = "rejected";
}

/// <summary>An RFC 9457 problem document (application/problem+json), with the gateway's field errors when it sends them.</summary>
public sealed record GatewayProblem(string? Type, string? Title, int? Status, string? Detail, IReadOnlyList<FieldError>? Errors);
