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
    /// with other callers' writes), in order, or not at all. Results are in the order of the writes.
    /// </summary>
    Task<AppendResult[]> AppendAllAsync(IReadOnlyList<JournalWrite> writes, CancellationToken ct = default);

    Task<IReadOnlyList<JournalEvent>> ReadEventsAsync(EventQuery query, CancellationToken ct = default);

    Task<JournalEvent?> FindEventAsync(string eventId, CancellationToken ct = default);

    /// <summary>A ward's entries, ordered by entry key.</summary>
    Task<IReadOnlyList<WardEntry>> ReadWardEntriesAsync(string wardCode, CancellationToken ct = default);

    /// <summary>Deadlines due at or before <paramref name="now"/>, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<Deadline>> ReadDueAsync(DateTimeOffset now, int max, CancellationToken ct = default);

    /// <summary>Clears a deadline; the same as appending a deadline with a null due time.</summary>
    Task DeleteDeadlineAsync(string entityKey, CancellationToken ct = default);

    Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken ct = default);

    Task<long> CountEventsAsync(CancellationToken ct = default);
}

/// <summary>Reads that span more than one page of <see cref="IEventJournal.ReadEventsAsync"/>.</summary>
public static class EventJournalReads
{
    /// <summary>
    /// Every row <paramref name="query"/> selects after its <see cref="EventQuery.AfterSeq"/>, read a page of
    /// <see cref="EventQuery.Limit"/> rows at a time in seq order, so a replay never stops silently at one page.
    /// </summary>
    public static async Task<IReadOnlyList<JournalEvent>> ReadAllEventsAsync(this IEventJournal journal, EventQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(query);
        var page = await journal.ReadEventsAsync(query, ct).ConfigureAwait(false);
        if (page.Count < query.Limit)
        {
            return page;
        }

        var rows = new List<JournalEvent>(page);
        while (page.Count >= query.Limit)
        {
            page = await journal.ReadEventsAsync(query with { AfterSeq = page[^1].Seq }, ct).ConfigureAwait(false);
            rows.AddRange(page);
        }

        return rows;
    }
}
