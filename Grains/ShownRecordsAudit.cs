using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// Audit rows for identifiable records shown to one caller as a list: one row per record, so the administrator's
/// filter by family finds every list that showed the family. An empty list still leaves one row, so the read itself
/// is on record.
/// </summary>
internal static class ShownRecordsAudit
{
    public static JournalWrite Rows(Caller caller, DateTimeOffset at, RecordsShown shown)
    {
        if (shown.Records.Count == 0)
        {
            return JournalWrite.ForAudit(new AuditEntry(at, caller.UserId, caller.Role, shown.Action, null, null, shown.Purpose, false, null, shown.Detail));
        }

        var rows = new AuditEntry[shown.Records.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var record = shown.Records[i];
            rows[i] = new AuditEntry(at, caller.UserId, caller.Role, shown.Action, record.FamilyId, record.ChildId, shown.Purpose, false, null, shown.Detail);
        }

        return JournalWrite.ForAudit(rows);
    }

    /// <summary>The person in the request context; a read with nobody named, or named as the system, audits nothing.</summary>
    public static Caller Person()
    {
        var caller = CallerContext.Current ?? throw new UnauthorizedAccessException("Identifiable records are shown only to a named caller.");
        return caller.Role == Roles.System
            ? throw new UnauthorizedAccessException("Records shown to the system are audited when they reach a person.")
            : caller;
    }
}
