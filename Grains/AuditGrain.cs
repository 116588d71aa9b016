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

    /// <summary>The action of the entry a read of the audit log leaves.</summary>
    public const string AuditReadAction = "audit-read";

    /// <summary>
    /// A page of the log, read up to the query's <c>To</c> or, without one, up to now (handed back in the page, so later
    /// pages can be read from the same set). The log shows identifiable records (who opened which family and child, and
    /// break-glass reasons, which may describe the family), so reading it is itself recorded, durably and before the page
    /// is returned: one entry per page read, naming the family asked about and the filters, not one per entry shown (which
    /// would grow the log with every read of it). It is stamped at the read's own instant, so a page bounded by that
    /// instant never holds it.
    /// </summary>
    public async Task<AuditLogPage> QueryAsync(AuditLogQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (CallerContext.Current is not { Role: Roles.Admin } caller)
        {
            throw new UnauthorizedAccessException("Only administrators read the audit log.");
        }

        var now = time.GetUtcNow();
        var to = query.To ?? now;
        var page = Math.Max(query.Page, 1);
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var detail = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"user {query.UserId ?? "any"}, family {query.FamilyId ?? "any"}, from {(query.From is { } from ? from.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : "any")}, to {to:O}, page {page} of size {pageSize}");
        await journal.AppendAsync(JournalWrite.ForAudit(new AuditEntry(now, caller.UserId, caller.Role, AuditReadAction, query.FamilyId, null, "audit-log", false, null, detail)));
        var rows = await journal.ReadAuditAsync(new AuditQuery
        {
            UserId = query.UserId,
            FamilyId = query.FamilyId,
            From = query.From,
            To = to,
            Offset = (page - 1) * pageSize,
            Limit = pageSize + 1,
        });
        var items = rows.Take(pageSize)
            .Select(r => new AuditRecord(r.At, r.UserId, r.Role, r.Action, r.FamilyId, r.ChildId, r.Purpose, r.BreakGlass, r.Reason, r.Detail))
            .ToArray();
        return new AuditLogPage(items, page, pageSize, rows.Count > pageSize, to);
    }

    public async Task RecordShownAsync(RecordsShown shown)
    {
        ArgumentNullException.ThrowIfNull(shown);
        var caller = ShownRecordsAudit.Person();
        await journal.AppendAsync(ShownRecordsAudit.Rows(caller, time.GetUtcNow(), shown));
    }
}
