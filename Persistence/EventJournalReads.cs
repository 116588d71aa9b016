namespace QpActors.Persistence;

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
