using Orleans.Concurrency;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// Reads the audit log of identifiable-record access for administrators, and records records shown by the gateway's
/// live streams. A stateless worker: both go straight to the journal from whichever silo takes them.
/// </summary>
[StatelessWorker]
public sealed class AuditGrain(IEventJournal journal, GrainClock time) : Grain, IAuditGrain
{
    public const int MaxPageSize = 500;

    public async Task<AuditLogPage> QueryAsync(AuditLogQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (CallerContext.Current is not { Role: Roles.Admin })
        {
            throw new UnauthorizedAccessException("Only administrators read the audit log.");
        }

        var page = Math.Max(query.Page, 1);
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var rows = await journal.ReadAuditAsync(new AuditQuery
        {
            UserId = query.UserId,
            FamilyId = query.FamilyId,
            From = query.From,
            To = query.To,
            Offset = (page - 1) * pageSize,
            Limit = pageSize + 1,
        });
        var items = rows.Take(pageSize)
            .Select(r => new AuditRecord(r.At, r.UserId, r.Role, r.Action, r.FamilyId, r.ChildId, r.Purpose, r.BreakGlass, r.Reason, r.Detail))
            .ToArray();
        return new AuditLogPage(items, page, pageSize, rows.Count > pageSize);
    }

    public async Task RecordShownAsync(RecordsShown shown)
    {
        ArgumentNullException.ThrowIfNull(shown);
        var caller = ShownRecordsAudit.Person();
        await journal.AppendAsync(ShownRecordsAudit.Rows(caller, time.GetUtcNow(), shown));
    }
}
