using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Application;

/// <summary>
/// A champion's and a service's own tallies, for the frontline token bound to it (docs/security.md, "A champion's or a
/// service's own tallies"). Any other id gets the answer an unknown id gets, so a token cannot learn which champions or
/// services exist. The reader grain checks the same rule again.
/// </summary>
public sealed class SummaryOperations(IGrainFactory grains, ILogger<SummaryOperations> logger)
{
    public const string ChampionIdRule = "must be 1-128 characters of A-Z a-z 0-9 . _ : -";
    public const string ServiceIdRule = "must be a lower-case kebab-case code of up to 64 characters";

    public async Task<OperationResult<ChampionSummary>> GetChampionSummaryAsync(Caller caller, string? championId)
    {
        ArgumentNullException.ThrowIfNull(caller);

        // A champion id has the form of the championId an outreach event names.
        if (!Identifiers.IsId(championId))
        {
            return OperationResult<ChampionSummary>.Invalid("championId", ChampionIdRule);
        }

        if (!SummaryAccess.MayReadChampion(caller, championId!))
        {
            return NotFound<ChampionSummary>("champion", championId!);
        }

        var read = await GrainCalls.RunAsync(caller, logger, () => grains.GetGrain<ISummaryReaderGrain>(0).ReadChampionSummaryAsync(championId!));
        return !read.IsOk ? read.As<ChampionSummary>()
            : read.Value is { Outcome: AccessOutcome.Granted, Summary: { } summary } ? OperationResult<ChampionSummary>.Ok(summary)
            : NotFound<ChampionSummary>("champion", championId!);
    }

    public async Task<OperationResult<ServiceSummary>> GetServiceSummaryAsync(Caller caller, string? serviceId)
    {
        ArgumentNullException.ThrowIfNull(caller);

        // A service id is a code, as the services events name (signpostedTo, a referral's from and to) are.
        if (!Identifiers.IsCode(serviceId))
        {
            return OperationResult<ServiceSummary>.Invalid("serviceId", ServiceIdRule);
        }

        if (!SummaryAccess.MayReadService(caller, serviceId!))
        {
            return NotFound<ServiceSummary>("service", serviceId!);
        }

        var read = await GrainCalls.RunAsync(caller, logger, () => grains.GetGrain<ISummaryReaderGrain>(0).ReadServiceSummaryAsync(serviceId!));
        return !read.IsOk ? read.As<ServiceSummary>()
            : read.Value is { Outcome: AccessOutcome.Granted, Summary: { } summary } ? OperationResult<ServiceSummary>.Ok(summary)
            : NotFound<ServiceSummary>("service", serviceId!);
    }

    /// <summary>A tally's counts with their keys in ordinal order, so the same tallies read the same on both transports and every time.</summary>
    public static SortedDictionary<string, int> Ordered(IReadOnlyDictionary<string, int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var ordered = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, count) in counts)
        {
            ordered[key] = count;
        }

        return ordered;
    }

    /// <summary>
    /// One answer for an id that is not the caller's own, whether it exists or not. The detail echoes only the id asked for.
    /// </summary>
    private static OperationResult<T> NotFound<T>(string kind, string id) =>
        OperationResult<T>.Fail(OperationStatus.NotFound, $"No {kind} '{id}' whose summary this token may read: a frontline token reads only the summary of the {kind} it is bound to.");
}
