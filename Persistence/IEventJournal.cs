namespace QpActors.Persistence;

/// <summary>
/// The durable record of contact events, ward-list entries, deadlines and the audit trail.
/// Appends from many callers share commits; every returned task completes only after its
/// write's transaction has committed.
/// </summary>
public interface IEventJournal : IAsyncDisposable
{
    /// <summary>
    /// Queues <paramref name="write"/> and completes once it is durable. The token only
    /// cancels waiting for queue room: once queued, a write is committed regardless.
    /// </summary>
    Task<AppendResult> AppendAsync(JournalWrite write, CancellationToken ct = default);

    /// <summary>
    /// Queues <paramref name="writes"/> as one unit: they commit in the same transaction (possibly shared
    /// with other callers' writes), in order, or not at all. Results are in the order of the writes. A unit one of whose
    /// event ids is already stored (or taken earlier in the same commit) is not at all too: none of its events, ward
    /// entries, departures or deadlines are written (its audit entries are, as for any write), each write whose id is
    /// stored answers <see cref="AppendResult.Inserted"/> false with the stored row's seq, and every other answers
    /// <see cref="AppendResult.Withheld"/>. The caller learns which ids are taken and may send the unit again without
    /// them, so nothing the store holds was counted on an event it refused. Other callers' writes in the same commit are
    /// not affected.
    /// </summary>
    Task<AppendResult[]> AppendAllAsync(IReadOnlyList<JournalWrite> writes, CancellationToken ct = default);

    Task<IReadOnlyList<JournalEvent>> ReadEventsAsync(EventQuery query, CancellationToken ct = default);

    Task<JournalEvent?> FindEventAsync(string eventId, CancellationToken ct = default);

    /// <summary>A ward's entries, ordered by entry key.</summary>
    Task<IReadOnlyList<WardEntry>> ReadWardEntriesAsync(string wardCode, CancellationToken ct = default);

    /// <summary>
    /// One entity's entry (<c>family:{familyId}</c> and so on), in whatever ward it is, or null: what the entity last wrote,
    /// read back by a family on activation to learn what it showed under the rules it was last assessed under.
    /// </summary>
    Task<WardEntry?> ReadWardEntryAsync(string entryKey, CancellationToken ct = default);

    /// <summary>The entities that left a ward, each with the latest version that moved it away.</summary>
    Task<IReadOnlyList<WardDeparture>> ReadWardDeparturesAsync(string wardCode, CancellationToken ct = default);

    /// <summary>
    /// Removes the departure rows written more than <paramref name="keptFor"/> ago, by this journal's clock (the one that
    /// stamps them), and returns how many went. A departure refuses late reports of the entity's older versions; past a
    /// bound no such report can still arrive (<c>WardDepartures.KeptFor</c> says why), so the row has done its job. A
    /// move that rewrites a row stamps it afresh, so a row is never removed within <paramref name="keptFor"/> of the
    /// latest move it records. A sweep that finds nothing due writes nothing: on SQLite it reads first and takes the write
    /// lock only when a row is due; on PostgreSQL a DELETE that matches no row changes nothing.
    /// </summary>
    Task<int> PruneWardDeparturesAsync(TimeSpan keptFor, CancellationToken ct = default);

    /// <summary>
    /// Removes <paramref name="entryKey"/>'s entry from <paramref name="wardCode"/> if it is still the one at
    /// <paramref name="version"/>, and says whether it went: for an entry no entity stands behind (its entity, asked for a
    /// fresh one, has none), which the ward would otherwise reload, and count, every time it activates. An entry its entity
    /// has written since, at a newer version or in another ward, is not this one and stays.
    /// </summary>
    Task<bool> DeleteWardEntryAsync(string wardCode, string entryKey, long version, CancellationToken ct = default);

    /// <summary>Deadlines due at or before <paramref name="now"/>, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<Deadline>> ReadDueAsync(DateTimeOffset now, int max, CancellationToken ct = default);

    /// <summary>Clears a deadline; the same as appending a deadline with a null due time.</summary>
    Task DeleteDeadlineAsync(string entityKey, CancellationToken ct = default);

    Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken ct = default);

    /// <summary>
    /// The break-glass windows opened on <paramref name="familyId"/> after <paramref name="after"/> (exclusive), oldest
    /// first: the audit entries whose detail is <see cref="AuditEntry.BreakGlassOpened"/>, each naming its user, instant
    /// and reason. Read through an index of those entries alone, so a family's other audit entries (every read of it) are
    /// never scanned.
    /// </summary>
    Task<IReadOnlyList<AuditEntry>> ReadBreakGlassOpeningsAsync(string familyId, DateTimeOffset after, CancellationToken ct = default);

    Task<long> CountEventsAsync(CancellationToken ct = default);
}
