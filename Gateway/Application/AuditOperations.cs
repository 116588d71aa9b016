using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Application;

/// <summary>The audit log of reads of identifiable records, for admins, and the audit of a look at the dashboard.</summary>
public sealed class AuditOperations(IGrainFactory grains, ILogger<AuditOperations> logger)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 500;

    /// <summary>The action of the entry each load of the dashboard leaves.</summary>
    public const string DashboardReadAction = "dashboard-read";

    /// <summary>
    /// Records, durably and before it is shown, that the caller opened the dashboard (<paramref name="what"/>: its page, or
    /// its log stream). One entry per look, naming no record: the dashboard shows none, but it shows the cluster's
    /// working, and its log stream shows whatever the hosts log (which may name a family or child).
    /// </summary>
    public Task<OperationResult<bool>> RecordDashboardReadAsync(Caller caller, string what) =>
        GrainCalls.RunAsync(caller, logger, async () =>
        {
            await grains.GetGrain<IAuditGrain>(0).RecordShownAsync(new RecordsShown(DashboardReadAction, "dashboard", [], what));
            return true;
        });

    public async Task<OperationResult<AuditLogPage>> QueryAsync(Caller caller, string? user, string? family, DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new List<FieldProblem>();
        Check(user, family, from, to, page, pageSize, errors);
        if (errors.Count > 0)
        {
            return OperationResult<AuditLogPage>.Invalid(errors);
        }

        var query = new AuditLogQuery(user, family, from, to, page ?? 1, pageSize ?? DefaultPageSize);
        return await GrainCalls.RunAsync(caller, logger, () => grains.GetGrain<IAuditGrain>(0).QueryAsync(query));
    }

    /// <summary>
    /// The rules of an audit query, for the values given (null: not given, or not parsed). The HTTP adapter also runs
    /// them beside its own parse errors, so one answer names every wrong value.
    /// </summary>
    public static void Check(string? user, string? family, DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize, List<FieldProblem> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
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
    }
}
