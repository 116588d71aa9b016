using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Application;

/// <summary>The audit log of reads of identifiable records, for admins.</summary>
public sealed class AuditOperations(IGrainFactory grains, ILogger<AuditOperations> logger)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 500;

    public async Task<OperationResult<AuditLogPage>> QueryAsync(Caller caller, string? user, string? family, DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new List<FieldProblem>();
        if (user is not null && (user.Length is 0 or > 256))
        {
            errors.Add(new FieldProblem("user", "must be 1-256 characters"));
        }

        if (family is not null && !Identifiers.IsId(family))
        {
            errors.Add(new FieldProblem("family", "must be 1-128 characters of A-Z a-z 0-9 . _ : -"));
        }

        if (from is not null && to is not null && to < from)
        {
            errors.Add(new FieldProblem("to", "must not be before from"));
        }

        if (page is < 1)
        {
            errors.Add(new FieldProblem("page", "must be 1 or more"));
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors.Add(new FieldProblem("pageSize", $"must be 1-{MaxPageSize}"));
        }

        if (errors.Count > 0)
        {
            return OperationResult<AuditLogPage>.Invalid(errors);
        }

        var query = new AuditLogQuery(user, family, from, to, page ?? 1, pageSize ?? DefaultPageSize);
        return await GrainCalls.RunAsync(caller, logger, () => grains.GetGrain<IAuditGrain>(0).QueryAsync(query));
    }
}
