using Orleans.Concurrency;

namespace QpActors.Grains.Interfaces;

/// <summary>
/// A ward, keyed by ward code (e.g. <c>queens-park</c>). It holds each entity's current contribution
/// (one per child, family, champion), never replaced by a lower version, so duplicated or reordered
/// reports never double-count and a lost report is repaired by the next one. An equal version with a different
/// payload does replace it: time alone (a review window closing) changes a contribution without a new event.
/// </summary>
public interface IWardGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies contributions flushed by the per-silo feeds. One that names another ward says its entity moved there:
    /// the ward lets go of the entity, and no older report of it brings it back.
    /// </summary>
    Task ApplyAsync(IReadOnlyList<WardContribution> contributions);

    /// <summary>
    /// The entity behind <paramref name="entryKey"/> counts in no ward any more, from <paramref name="version"/> on: the
    /// record that put it in one (a birth record, a family registration) was marked as entered in error. The ward lets go
    /// of it unless it holds a newer version, and no older report brings it back. The caller has already written the
    /// entity's departure from this ward, whose commit took the journal's copy of the entry too.
    /// </summary>
    Task EntityLeftAsync(string entryKey, long version);

    /// <summary>
    /// The ward's raw figures (unsuppressed: the gateway publishes them through the small-number rule), with the raw
    /// documents of the other wards in its area in <see cref="WardFigures.NeighbourDocuments"/> for the publisher.
    /// </summary>
    /// <exception cref="FiguresNotFoundException">The ward is not configured and holds no contributions.</exception>
    /// <exception cref="FiguresQueryException">Unknown period or scenario (a client error).</exception>
    Task<WardFigures> GetFiguresAsync(FiguresQuery query);

    /// <summary>
    /// The ward's own raw figures, without neighbours. Interleaves: it only reads the ward's memory, and wards and areas
    /// ask each other for it while answering their own requests.
    /// </summary>
    [AlwaysInterleave]
    Task<WardFigures> GetOwnFiguresAsync(FiguresQuery query);

    /// <summary>The monthly snapshots (raw documents for each completed month, oldest first).</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<FiguresSnapshot>> GetHistoryAsync();

    /// <summary>
    /// The monthly snapshots with, for each month, the same month's snapshots of the other wards in the
    /// area, so the publisher can apply secondary suppression across neighbours as for live figures.
    /// </summary>
    Task<IReadOnlyList<WardHistoryMonth>> GetPublishableHistoryAsync();

    /// <summary>Takes the snapshot of the last completed month (by the domain clock) if it has not been taken; returns it, or null.</summary>
    Task<FiguresSnapshot?> TakeSnapshotIfDueAsync();

    /// <summary>
    /// Families in the ward ranked by need. Identifiable: for the ward's early intervention team (or the system), and
    /// every family on the page is audited as read by the caller before the page is returned.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">No caller in the request context, or one this list is not for.</exception>
    Task<WorklistPage> GetWorklistAsync(WorklistQuery query);

    /// <summary>
    /// Infants known from birth records but never registered with or seen by the children's centre. Identifiable: for
    /// the ward's early intervention team and its champions, and every infant listed is audited as read by the caller
    /// before the list is returned.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">No caller in the request context, or one this list is not for.</exception>
    Task<IReadOnlyList<UnreachedInfant>> GetUnreachedAsync();

    /// <summary>Recomputes the ward from its entities and reports any difference from the live figures.</summary>
    Task<ReconciliationReport> ReconcileAsync();

    /// <summary>
    /// Asks a few of the families whose ward entries predate the change instants for a fresh entry, in the background: the
    /// ward's own timer sends it (docs/design.md, "The worklist"). One-way, and interleaving with the ward's other calls, so
    /// no read waits while the families answer.
    /// </summary>
    [OneWay]
    [AlwaysInterleave]
    Task DateUndatedFamiliesAsync();
}

/// <summary>An area: a configured set of wards (e.g. <c>north-westminster</c>).</summary>
public interface IAreaGrain : IGrainWithStringKey
{
    /// <summary>
    /// The area's raw figures, recomputed from its wards' counts, with the wards' raw documents in
    /// <see cref="AreaFigures.WardDocuments"/> for the publisher.
    /// </summary>
    /// <exception cref="FiguresNotFoundException">No such area in the service catalogue.</exception>
    /// <exception cref="FiguresQueryException">Unknown period or scenario (a client error).</exception>
    Task<AreaFigures> GetFiguresAsync(FiguresQuery query);

    /// <summary>
    /// The area's monthly figures, built from its wards' snapshots of each month that every ward kept,
    /// with the wards' raw documents of that month for the publisher.
    /// </summary>
    /// <exception cref="FiguresNotFoundException">No such area in the service catalogue.</exception>
    Task<IReadOnlyList<WardHistoryMonth>> GetHistoryAsync();
}

/// <summary>
/// The ward feed's entry point for callers that hold only a grain factory: a stateless worker, so each silo runs
/// its own and the call stays on the caller's silo, that hands each contribution to that silo's <c>WardFeed</c>
/// service. The service buffers and flushes to the ward grains on a short timer; grains call it directly.
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
/// <param name="Payload">
/// The JSON as UTF-8, never changed once made: a contribution waits up to a flush interval in its silo's ward feed,
/// and UTF-8 is half the bytes of a string for the collector to copy if it is still waiting. Compares by content.
/// </param>
[GenerateSerializer, Immutable, Alias("qp.WardContribution")]
public sealed record WardContribution(
    [property: Id(0)] string EntryKey,
    [property: Id(1)] string WardCode,
    [property: Id(2)] ContributionKind Kind,
    [property: Id(3)] long Version,
    [property: Id(4)] byte[] Payload)
{
    public bool Equals(WardContribution? other) =>
        other is not null &&
        string.Equals(EntryKey, other.EntryKey, StringComparison.Ordinal) &&
        string.Equals(WardCode, other.WardCode, StringComparison.Ordinal) &&
        Kind == other.Kind &&
        Version == other.Version &&
        Payload.AsSpan().SequenceEqual(other.Payload);

    public override int GetHashCode() => HashCode.Combine(EntryKey, Version);
}

/// <summary>Which period the time-based figures cover: <c>month</c>, <c>quarter</c> or <c>rolling-12-months</c>, ending at <c>AsOf</c>.</summary>
/// <param name="Overrides">
/// A what-if: a JSON object of cost-benefit assumptions to apply on top of <paramref name="Scenario"/> for this query alone
/// (the shape of <c>Figures/Data/cost-benefit.v1.json</c>); null for the scenario as it is. It changes money only: the
/// counts, and every share worked out from them, are the same as without it.
/// </param>
[GenerateSerializer, Immutable, Alias("qp.FiguresQuery")]
public sealed record FiguresQuery(
    [property: Id(0)] string Period,
    [property: Id(1)] DateOnly? AsOf,
    [property: Id(2)] string Scenario,
    [property: Id(3)] string? Overrides = null);

/// <summary>A page of a ward's worklist, with its filters; a filter left null does not filter.</summary>
/// <param name="AwaitingDecision">Only families that await a level decision (true), or only those that do not (false).</param>
/// <param name="ChangedSince">Only families whose score or suggested level changed at or after this instant.</param>
[GenerateSerializer, Immutable, Alias("qp.WorklistQuery")]
public sealed record WorklistQuery(
    [property: Id(0)] string? Level,
    [property: Id(1)] bool? OverdueReview,
    [property: Id(2)] string? Concern,
    [property: Id(3)] int Page,
    [property: Id(4)] int PageSize,
    [property: Id(5)] bool? AwaitingDecision = null,
    [property: Id(6)] DateTimeOffset? ChangedSince = null)
{
    /// <summary>The most families a person's worklist page holds; a larger page size asked for is served at this.</summary>
    public const int MaxPageSize = 200;

    /// <summary>The most families one read by the system holds: as many as a live risk stream follows.</summary>
    public const int MaxSystemPageSize = 10_000;
}

/// <summary>A family's line on a worklist.</summary>
/// <param name="UpdatedAt">When the latest event in the family's recent history occurred.</param>
/// <param name="AwaitingDecision">
/// The suggested level is above the level the team set, or above universal with none set: a practitioner's decision is
/// outstanding (<c>LevelDecisions.AwaitsDecision</c>).
/// </param>
/// <param name="RiskChangedAt">
/// When the score or suggested level last changed, on the family's own risk timeline (an event's receipt, or when time
/// alone changed it); null if it never changed, or not yet known (an entry kept before entries carried it).
/// </param>
/// <param name="LevelChangedAt">When the suggested level last changed; null if it never did, or not yet known.</param>
/// <param name="LevelChangedFrom">The suggested level before that change.</param>
[GenerateSerializer, Immutable, Alias("qp.WorklistItem")]
public sealed record WorklistItem(
    [property: Id(0)] string FamilyId,
    [property: Id(1)] double Score,
    [property: Id(2)] string SuggestedLevel,
    [property: Id(3)] string? SetLevel,
    [property: Id(4)] int OverdueReviews,
    [property: Id(5)] IReadOnlyList<string> OpenConcerns,
    [property: Id(6)] IReadOnlyList<string> TopFactors,
    [property: Id(7)] DateTimeOffset UpdatedAt,
    [property: Id(8)] bool Synthetic = false,
    [property: Id(9)] bool AwaitingDecision = false,
    [property: Id(10)] DateTimeOffset? RiskChangedAt = null,
    [property: Id(11)] DateTimeOffset? LevelChangedAt = null,
    [property: Id(12)] string? LevelChangedFrom = null);

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
    [property: Id(3)] IReadOnlyList<string> Champions,
    [property: Id(4)] bool Synthetic = false);

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
    [property: Id(3)] string Document,
    [property: Id(4)] IReadOnlyList<string>? NeighbourDocuments = null);

[GenerateSerializer, Immutable, Alias("qp.AreaFigures")]
public sealed record AreaFigures(
    [property: Id(0)] string AreaId,
    [property: Id(1)] DateTimeOffset AsOf,
    [property: Id(2)] string Period,
    [property: Id(3)] IReadOnlyList<string> WardCodes,
    [property: Id(4)] string Document,
    [property: Id(5)] IReadOnlyList<string>? WardDocuments = null);

/// <summary>
/// One month of a ward's (or area's) history with its neighbours' documents for the same month (raw), to publish.
/// <see cref="TakenAt"/> is the programme's midnight that ended the month, not the instant the ward kept it, which would
/// time the ward's activity (<c>WardFiguresBuilder.MonthEnded</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("qp.WardHistoryMonth")]
public sealed record WardHistoryMonth(
    [property: Id(0)] string Month,
    [property: Id(1)] DateTimeOffset TakenAt,
    [property: Id(2)] string Document,
    [property: Id(3)] IReadOnlyList<string> NeighbourDocuments);

/// <summary>A ward's raw figures for one completed month (period <c>month</c>, as of its last day), kept durably.</summary>
[GenerateSerializer, Immutable, Alias("qp.FiguresSnapshot")]
public sealed record FiguresSnapshot(
    [property: Id(0)] string Month,
    [property: Id(1)] DateTimeOffset TakenAt,
    [property: Id(2)] string Document);

/// <summary>The ward or area is not configured (and, for a ward, holds no data): the gateway answers 404.</summary>
[GenerateSerializer, Alias("qp.FiguresNotFoundException")]
public sealed class FiguresNotFoundException : Exception
{
    public FiguresNotFoundException()
    {
    }

    public FiguresNotFoundException(string message)
        : base(message)
    {
    }

    public FiguresNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The ward code or area id asked for.</summary>
    [Id(0)]
    public string Key { get; init; } = "";
}

/// <summary>A figures query the grains cannot answer (unknown period or scenario): the gateway answers 400 with <see cref="Field"/>.</summary>
[GenerateSerializer, Alias("qp.FiguresQueryException")]
public sealed class FiguresQueryException : Exception
{
    public FiguresQueryException()
    {
    }

    public FiguresQueryException(string message)
        : base(message)
    {
    }

    public FiguresQueryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The query field at fault: <c>period</c> or <c>scenario</c>.</summary>
    [Id(0)]
    public string Field { get; init; } = "";
}

/// <summary>
/// Posted cost-benefit overrides that cannot be used: <see cref="Errors"/> names every wrong field as a path from the
/// request body's root (<c>overrides.deadweight.rate</c>). The gateway answers 400 listing them all.
/// </summary>
[GenerateSerializer, Alias("qp.CostBenefitOverridesException")]
public sealed class CostBenefitOverridesException : Exception
{
    public CostBenefitOverridesException()
    {
    }

    public CostBenefitOverridesException(string message)
        : base(message)
    {
    }

    public CostBenefitOverridesException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Every problem found.</summary>
    [Id(0)]
    public IReadOnlyList<FieldProblem> Errors { get; init; } = [];
}

/// <summary>The cost-benefit assumptions the silos' figures are worked out with.</summary>
public interface ICostBenefitGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The assumptions in force as JSON in the shape of <c>Figures/Data/cost-benefit.v1.json</c>: version, notes, source,
    /// calibration, horizon, discount bands, optimism bias, deadweight, benefit scale, costs, unit costs with their sources,
    /// phases, ward shares and the named scenarios with their overrides.
    /// </summary>
    Task<string> GetAssumptionsAsync();

    /// <summary>
    /// What is wrong with a what-if's scenario and overrides against the assumptions this silo works with, every field named
    /// as a path from the request body's root (none: they can be used). The gateway asks it when the request has other
    /// errors too, so one answer names them all.
    /// </summary>
    /// <param name="scenario">The scenario asked for.</param>
    /// <param name="overrides">The overrides as the text of a JSON object, or null when none were posted.</param>
    Task<IReadOnlyList<FieldProblem>> CheckWhatIfAsync(string scenario, string? overrides);
}
