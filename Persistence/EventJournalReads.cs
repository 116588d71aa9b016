using System.Runtime.CompilerServices;

namespace QpActors.Persistence;

/// <summary>Reads that span more than one page of <see cref="IEventJournal.ReadEventsAsync"/>.</summary>
public static class EventJournalReads
{
    /// <summary>
    /// The rows <paramref name="query"/> selects after its <see cref="EventQuery.AfterSeq"/>, a page of
    /// <see cref="EventQuery.Limit"/> rows at a time in seq order, until a page comes back short. For readers
    /// that fold as they go rather than hold every row.
    /// </summary>
    public static async IAsyncEnumerable<IReadOnlyList<JournalEvent>> ReadPagesAsync(
        this IEventJournal journal, EventQuery query, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(query);
        while (true)
        {
            var page = await journal.ReadEventsAsync(query, ct).ConfigureAwait(false);
            yield return page;
            if (page.Count < query.Limit)
            {
                yield break;
            }

            query = query with { AfterSeq = page[^1].Seq };
        }
    }

    /// <summary>
    /// Every row <paramref name="query"/> selects after its <see cref="EventQuery.AfterSeq"/>, read page by page
    /// (<see cref="ReadPagesAsync"/>), so a replay never stops silently at one page.
    /// </summary>
    public static async Task<IReadOnlyList<JournalEvent>> ReadAllEventsAsync(this IEventJournal journal, EventQuery query, CancellationToken ct = default)
    {
        IReadOnlyList<JournalEvent>? first = null;
        List<JournalEvent>? rows = null;
        await foreach (var page in journal.ReadPagesAsync(query, ct).ConfigureAwait(false))
        {
            if (first is null)
            {
                // The usual case, one page: returned as it is, without a copy.
                first = page;
                continue;
            }

            (rows ??= [.. first]).AddRange(page);
        }

        return rows ?? first!;
    }
}
