using Orleans.Concurrency;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// Reads a champion's or a service's summary for its own frontline token. The access rule is checked here as well as in the
/// gateway, as the family grain checks a risk read, so a fault in the gateway still shows no one another's tallies.
/// </summary>
/// <remarks>
/// A champion or service the journal holds nothing of answers an empty summary from here, without activating its grain:
/// an activation reads the journal, registers in the grain directory and stays in memory until it is collected, and a
/// champion's also reads its grain state, all for tallies that are known to be 0. Ids found in the journal are remembered
/// (the journal only grows, so one found stays found), so a champion's app asking again costs no second look.
/// Reentrant: the one thing it keeps, that set, is touched only between awaits.
/// </remarks>
[StatelessWorker, Reentrant]
public sealed class SummaryReaderGrain(IEventJournal journal) : Grain, ISummaryReaderGrain
{
    /// <summary>How many known ids one activation remembers before it starts again (each one is a string; the set is a cache).</summary>
    public const int KnownIdsKept = 4_096;

    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public async Task<ChampionSummaryRead> ReadChampionSummaryAsync(string championId)
    {
        ArgumentNullException.ThrowIfNull(championId);
        if (!SummaryAccess.MayReadChampion(CallerContext.Current, championId))
        {
            return new ChampionSummaryRead(AccessOutcome.NotFound, null);
        }

        if (!await InJournalAsync("champion:" + championId, EventQuery.ForChampion(championId)))
        {
            return new ChampionSummaryRead(AccessOutcome.Granted, new ChampionSummary(championId, 0, 0, new Dictionary<string, int>(), 0, 0, 0, 0));
        }

        return new ChampionSummaryRead(AccessOutcome.Granted, await GrainFactory.GetGrain<IChampionGrain>(championId).GetSummaryAsync());
    }

    public async Task<ServiceSummaryRead> ReadServiceSummaryAsync(string serviceId)
    {
        ArgumentNullException.ThrowIfNull(serviceId);
        if (!SummaryAccess.MayReadService(CallerContext.Current, serviceId))
        {
            return new ServiceSummaryRead(AccessOutcome.NotFound, null);
        }

        // A service's grain counts the rows it recorded (ServiceGrain), so those are what make it known.
        var recorder = "service:" + serviceId;
        if (!await InJournalAsync(recorder, EventQuery.ForRecorder(recorder)))
        {
            return new ServiceSummaryRead(AccessOutcome.Granted, new ServiceSummary(serviceId, 0, 0, new Dictionary<string, int>(), 0, 0, 0, null, 0, 0, null, 0, 0, 0));
        }

        return new ServiceSummaryRead(AccessOutcome.Granted, await GrainFactory.GetGrain<IServiceGrain>(serviceId).GetSummaryAsync());
    }

    /// <summary>Whether the journal holds a row the query selects: one row is enough.</summary>
    private async Task<bool> InJournalAsync(string key, EventQuery query)
    {
        if (_known.Contains(key))
        {
            return true;
        }

        var rows = await journal.ReadEventsAsync(query with { Limit = 1 });
        if (rows.Count == 0)
        {
            return false;
        }

        if (_known.Count >= KnownIdsKept)
        {
            _known.Clear();
        }

        _known.Add(key);
        return true;
    }
}
