namespace QpActors.Grains.Interfaces;

/// <summary>
/// Reads a champion's or a service's own tallies for the caller in the request context: only a frontline token bound to
/// that champion or service may read them. A stateless worker in front of the champion and service grains, so that a read
/// for a champion or service with nothing in the journal answers without activating a grain for it.
/// </summary>
public interface ISummaryReaderGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The champion's summary when the caller is bound to that champion (<see cref="AccessOutcome.Granted"/>), an empty one
    /// (every tally 0, version 0) when the journal holds nothing of it; <see cref="AccessOutcome.NotFound"/> for any other
    /// caller, whether or not the champion exists.
    /// </summary>
    Task<ChampionSummaryRead> ReadChampionSummaryAsync(string championId);

    /// <summary>As <see cref="ReadChampionSummaryAsync"/>, for a service and a token bound to it.</summary>
    Task<ServiceSummaryRead> ReadServiceSummaryAsync(string serviceId);
}

[GenerateSerializer, Immutable, Alias("qp.ChampionSummaryRead")]
public sealed record ChampionSummaryRead(
    [property: Id(0)] AccessOutcome Outcome,
    [property: Id(1)] ChampionSummary? Summary);

[GenerateSerializer, Immutable, Alias("qp.ServiceSummaryRead")]
public sealed record ServiceSummaryRead(
    [property: Id(0)] AccessOutcome Outcome,
    [property: Id(1)] ServiceSummary? Summary);

/// <summary>Who may read a champion's or a service's summary: the one rule, for the gateway and the reader grain alike.</summary>
public static class SummaryAccess
{
    /// <summary>
    /// Whether <paramref name="caller"/> is a frontline token bound to exactly the champion <paramref name="championId"/>
    /// (a token naming a service as well is bound to neither, as for recording).
    /// </summary>
    public static bool MayReadChampion(Caller? caller, string championId) =>
        caller is { Role: Roles.Frontline, Service: null, Champion: { } champion } && string.Equals(champion, championId, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="caller"/> is a frontline token bound to exactly the service <paramref name="serviceId"/>.</summary>
    public static bool MayReadService(Caller? caller, string serviceId) =>
        caller is { Role: Roles.Frontline, Champion: null, Service: { } service } && string.Equals(service, serviceId, StringComparison.Ordinal);
}
