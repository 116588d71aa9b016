using Orleans.Concurrency;

namespace QpActors.Grains.Interfaces;

/// <summary>
/// A ward, keyed by ward code (e.g. <c>queens-park</c>). It holds each entity's current contribution
/// (one per child, family, champion), replaced only by a higher version, so duplicated or reordered
/// reports never double-count and a lost report is repaired by the next one.
/// </summary>
public interface IWardGrain : IGrainWithStringKey
{
    /// <summary>Applies contributions flushed by the per-silo feeds.</summary>
    Task ApplyAsync(IReadOnlyList<WardContribution> contributions);

    /// <summary>The ward's raw figures (unsuppressed: the gateway publishes them through the small-number rule).</summary>
    Task<WardFigures> GetFiguresAsync(FiguresQuery query);

    /// <summary>Families in the ward ranked by need (identifiable: early intervention only).</summary>
    Task<WorklistPage> GetWorklistAsync(WorklistQuery query);

    /// <summary>Infants known from birth records but never registered with or seen by the children's centre.</summary>
    Task<IReadOnlyList<UnreachedInfant>> GetUnreachedAsync();

    /// <summary>Recomputes the ward from its entities and reports any difference from the live figures.</summary>
    Task<ReconciliationReport> ReconcileAsync();
}

/// <summary>An area: a configured set of wards (e.g. <c>north-westminster</c>).</summary>
public interface IAreaGrain : IGrainWithStringKey
{
    Task<AreaFigures> GetFiguresAsync(FiguresQuery query);
}

/// <summary>
/// A per-silo stateless worker that buffers contributions and flushes them to ward grains on a short
/// timer, so no single grain sits on the path of every event.
/// </summary>
public interface IWardFeedGrain : IGrainWithIntegerKey
{
    [OneWay]
    Task PublishAsync(WardContribution contribution);
}

[GenerateSerializer, Alias("qp.ContributionKind")]
public enum ContributionKind
{
    Child,
    Family,
    Champion,
    Service,
}

/// <summary>An entity's current contribution to its ward's figures; the JSON payload is kind-specific.</summary>
[GenerateSerializer, Immutable, Alias("qp.WardContribution")]
public sealed record WardContribution(
    [property: Id(0)] string EntryKey,
    [property: Id(1)] string WardCode,
    [property: Id(2)] ContributionKind Kind,
    [property: Id(3)] long Version,
    [property: Id(4)] string Payload);

/// <summary>Which period the time-based figures cover: <c>month</c>, <c>quarter</c> or <c>rolling-12-months</c>, ending at <c>AsOf</c>.</summary>
[GenerateSerializer, Immutable, Alias("qp.FiguresQuery")]
public sealed record FiguresQuery(
    [property: Id(0)] string Period,
    [property: Id(1)] DateOnly? AsOf,
    [property: Id(2)] string Scenario);

[GenerateSerializer, Immutable, Alias("qp.WorklistQuery")]
public sealed record WorklistQuery(
    [property: Id(0)] string? Level,
    [property: Id(1)] bool? OverdueReview,
    [property: Id(2)] string? Concern,
    [property: Id(3)] int Page,
    [property: Id(4)] int PageSize);

[GenerateSerializer, Immutable, Alias("qp.WorklistItem")]
public sealed record WorklistItem(
    [property: Id(0)] string FamilyId,
    [property: Id(1)] double Score,
    [property: Id(2)] string SuggestedLevel,
    [property: Id(3)] string? SetLevel,
    [property: Id(4)] int OverdueReviews,
    [property: Id(5)] IReadOnlyList<string> OpenConcerns,
    [property: Id(6)] IReadOnlyList<string> TopFactors,
    [property: Id(7)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable, Alias("qp.WorklistPage")]
public sealed record WorklistPage(
    [property: Id(0)] string WardCode,
    [property: Id(1)] IReadOnlyList<WorklistItem> Items,
    [property: Id(2)] int Page,
    [property: Id(3)] int PageSize,
    [property: Id(4)] int Total);

[GenerateSerializer, Immutable, Alias("qp.UnreachedInfant")]
public sealed record UnreachedInfant(
    [property: Id(0)] string ChildId,
    [property: Id(1)] string? FamilyId,
    [property: Id(2)] DateOnly DateOfBirth,
    [property: Id(3)] IReadOnlyList<string> Champions);

[GenerateSerializer, Immutable, Alias("qp.ReconciliationReport")]
public sealed record ReconciliationReport(
    [property: Id(0)] string WardCode,
    [property: Id(1)] int EntitiesChecked,
    [property: Id(2)] IReadOnlyList<string> Differences);

/// <summary>
/// A ward's figures as a JSON document with the documented key names (<c>reach</c>, <c>caseload</c>,
/// <c>indicators</c>, <c>need</c>, <c>champions</c>, <c>unitCost</c>, <c>savings</c>), unsuppressed.
/// Counts are published to the commission only through the small-number rule at the gateway.
/// </summary>
[GenerateSerializer, Immutable, Alias("qp.WardFigures")]
public sealed record WardFigures(
    [property: Id(0)] string WardCode,
    [property: Id(1)] DateTimeOffset AsOf,
    [property: Id(2)] string Period,
    [property: Id(3)] string Document);

[GenerateSerializer, Immutable, Alias("qp.AreaFigures")]
public sealed record AreaFigures(
    [property: Id(0)] string AreaId,
    [property: Id(1)] DateTimeOffset AsOf,
    [property: Id(2)] string Period,
    [property: Id(3)] IReadOnlyList<string> WardCodes,
    [property: Id(4)] string Document);
