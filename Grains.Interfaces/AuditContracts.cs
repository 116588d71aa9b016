namespace QpActors.Grains.Interfaces;

/// <summary>
/// The audit log of reads of identifiable records, for the admin role. The gateway never touches
/// storage itself, so it asks this grain (a stateless worker, key 0), which reads the journal's audit rows.
/// </summary>
public interface IAuditGrain : IGrainWithIntegerKey
{
    /// <summary>Audit records matching every given filter, newest first.</summary>
    Task<AuditLogPage> QueryAsync(AuditLogQuery query);

    /// <summary>
    /// Records that the caller in the request context is being shown these identifiable records (one audit row each),
    /// for reads whose data reaches a person outside a grain (the gateway's live streams). Returns once the rows are
    /// durable, so the caller sends the data only after that.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">No person in the request context.</exception>
    Task RecordShownAsync(RecordsShown shown);
}

/// <summary>Identifiable records shown to one caller together: what was done (<c>Action</c>), why, and which records.</summary>
[GenerateSerializer, Immutable, Alias("qp.RecordsShown")]
public sealed record RecordsShown(
    [property: Id(0)] string Action,
    [property: Id(1)] string Purpose,
    [property: Id(2)] IReadOnlyList<ShownRecord> Records,
    [property: Id(3)] string? Detail);

/// <summary>One record shown: a family, or a child (with its family when one is known).</summary>
[GenerateSerializer, Immutable, Alias("qp.ShownRecord")]
public sealed record ShownRecord(
    [property: Id(0)] string? FamilyId,
    [property: Id(1)] string? ChildId);

/// <summary>Filters are optional and combined; <c>From</c> is inclusive, <c>To</c> exclusive; <c>Page</c> counts from 1.</summary>
[GenerateSerializer, Immutable, Alias("qp.AuditLogQuery")]
public sealed record AuditLogQuery(
    [property: Id(0)] string? UserId,
    [property: Id(1)] string? FamilyId,
    [property: Id(2)] DateTimeOffset? From,
    [property: Id(3)] DateTimeOffset? To,
    [property: Id(4)] int Page,
    [property: Id(5)] int PageSize);

/// <summary>One audited access, as the journal keeps it (mirrors the Persistence audit row).</summary>
[GenerateSerializer, Immutable, Alias("qp.AuditRecord")]
public sealed record AuditRecord(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string UserId,
    [property: Id(2)] string Role,
    [property: Id(3)] string Action,
    [property: Id(4)] string? FamilyId,
    [property: Id(5)] string? ChildId,
    [property: Id(6)] string? Purpose,
    [property: Id(7)] bool BreakGlass,
    [property: Id(8)] string? Reason,
    [property: Id(9)] string? Detail);

/// <summary>
/// <c>HasMore</c> says whether a next page exists (the journal pages by offset, newest first, without a total). <c>To</c> is
/// the exclusive end of the entries the page was read from: the query's own, or the instant of the read when it gave none.
/// Entries keep arriving (every read of a record adds some), so a client paging through one set sends the first page's
/// <c>To</c> back with every later page; by offset alone each new entry would push the pages along by one.
/// </summary>
[GenerateSerializer, Immutable, Alias("qp.AuditLogPage")]
public sealed record AuditLogPage(
    [property: Id(0)] IReadOnlyList<AuditRecord> Items,
    [property: Id(1)] int Page,
    [property: Id(2)] int PageSize,
    [property: Id(3)] bool HasMore,
    [property: Id(4)] DateTimeOffset To);
