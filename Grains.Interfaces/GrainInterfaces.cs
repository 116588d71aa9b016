using Orleans.Concurrency;
using QpActors.Domain.Events;

namespace QpActors.Grains.Interfaces;

/// <summary>
/// A child from pregnancy to age five, keyed by the child id the frontline systems use.
/// Every event with a child id is recorded here first; the child then tells its family.
/// </summary>
public interface IChildGrain : IGrainWithStringKey
{
    /// <summary>Records a validated contact event; acknowledged only once it is durable.</summary>
    /// <remarks>
    /// Events are immutable records, so <c>[Immutable]</c> lets a call inside one silo pass the reference
    /// instead of deep-copying it (the copy would be a JSON round trip through the domain codec).
    /// Calls between processes still serialize.
    /// </remarks>
    Task<ContactReceipt> RecordAsync([Immutable] ContactEvent contact);

    /// <summary>
    /// Records several validated events for this child, in order, as one unit: they commit in one transaction,
    /// and the child's ward contribution and its family's notice go out once for all of them. A receipt per
    /// event, in the same order (a repeated event id answers duplicate, an event for another child is rejected).
    /// </summary>
    /// <remarks>For a device's batch: its items for one child cost one call, one commit and one notice.</remarks>
    Task<ContactReceipt[]> RecordAllAsync([Immutable] ContactEvent[] contacts);

    /// <summary>
    /// The child's risk and review schedule, not audited: no API serves it (a family's audited read builds its
    /// children's views itself); only tests and benchmarks call it.
    /// </summary>
    Task<ChildRiskView> GetRiskAsync();

    /// <summary>Re-evaluates what the passing of time changes (a review window closing) with no new event.</summary>
    Task TickAsync();

    /// <summary>The child's contribution to its ward, computed afresh (reconciliation).</summary>
    Task<WardContribution?> GetContributionAsync();

    /// <summary>
    /// Writes the child's ward entry afresh and returns it (null when the child is in no ward): asked by a ward holding an
    /// entry of the child's assessed under other rules (an upgrade of the rules file), whose score and level are the old
    /// rules', so the ward counts the child under the silo's rules and finds the new entry when it reloads.
    /// </summary>
    Task<WardContribution?> RewriteWardEntryAsync();

    /// <summary>
    /// The child's family changed ward (a move, or its first ward): the child follows it at once. One-way, as the family
    /// never waits on a child; a notice older than what the child knows of that family, or for a family the child no
    /// longer names, changes nothing.
    /// </summary>
    [OneWay]
    Task FamilyWardChangedAsync(FamilyWard ward);
}

/// <summary>A family: its children, family-level factors, open concerns and the practitioner-set level.</summary>
public interface IFamilyGrain : IGrainWithStringKey
{
    /// <summary>Records a family-level event (no child id).</summary>
    Task<ContactReceipt> RecordAsync([Immutable] ContactEvent contact);

    /// <summary>
    /// A practitioner's level decision (the level endpoint), for the caller in the request context. A new decision needs the
    /// access a read of the family for <paramref name="purpose"/> would have (its ward, or a break-glass window the caller
    /// opened), decided and audited as that read is, and is then recorded as <see cref="RecordAsync"/> records it. A retry
    /// of a decision the family holds is answered by its receipt first, so one made inside a window is still answered
    /// after the window closed; outside the caller's access that answer goes only to the practitioner who made it.
    /// </summary>
    Task<LevelDecisionAnswer> DecideLevelAsync([Immutable] ContactEvent decision, ReadPurpose purpose);

    /// <summary>
    /// A child of this family recorded events (one, or several committed together), already durable in the
    /// journal. One-way so that child-to-family calls never wait on the family, leaving no call cycles;
    /// applying is idempotent.
    /// </summary>
    /// <param name="contacts">The events in the order the child applied them.</param>
    /// <param name="assessed">
    /// The child's assessment just after each event, as the child computed it: the family reuses it instead of
    /// assessing the child again, as long as its own copy of the child is at the same version.
    /// </param>
    [OneWay]
    Task ApplyChildEventsAsync([Immutable] ContactEvent[] contacts, [Immutable] ChildAssessed[] assessed);

    /// <summary>
    /// A child committed the entered-in-error mark <paramref name="markEventId"/> for this family and its one-way notice
    /// may have been lost: the deadline sweep finds the mark's pending notice still in the journal and asks the family to
    /// take the mark now (fold again from its rows, let go of a ward it no longer has, tell its champions), then clears it.
    /// Awaited: the sweep clears the pending notice only once the family has taken the mark.
    /// </summary>
    Task TakeChildMarkAsync(string markEventId);

    /// <summary>Time passed for one of the children (a review window closed): reassess.</summary>
    [OneWay]
    Task TickAsync();

    /// <summary>As <see cref="TickAsync"/>, awaited: the deadline sweep waits so it never re-reads a stale deadline.</summary>
    Task TickNowAsync();

    /// <summary>Reads the family's risk status for the caller in the request context; audited before it returns.</summary>
    /// <remarks>
    /// Read-only: concurrent reads of one family interleave while each waits for its audit entry's shared
    /// commit, instead of queueing behind one another; writes still run alone.
    /// </remarks>
    [ReadOnly]
    Task<FamilyRiskRead> ReadRiskStatusAsync(ReadPurpose purpose);

    /// <summary>
    /// As <see cref="ReadRiskStatusAsync"/> (the same access decision and audit entry, durable before it returns),
    /// with the status as the HTTP API's JSON body; gRPC maps the typed status, both from one cached view.
    /// </summary>
    [ReadOnly]
    Task<FamilyRiskJson> ReadRiskStatusJsonAsync(ReadPurpose purpose);

    /// <summary>The family's contribution to its ward, computed afresh (reconciliation).</summary>
    Task<WardContribution?> GetContributionAsync();

    /// <summary>
    /// Writes the family's ward entry afresh and returns it (null when the family is in no ward): asked, once, by a ward
    /// holding an entry written before entries carried when the risk changed, so the ward can tell whether the family
    /// belongs on a <c>changedSince</c> list (docs/design.md, "The worklist").
    /// </summary>
    Task<WardContribution?> RewriteWardEntryAsync();

    /// <summary>The family's ward as its events leave it, for a child that follows it (asked when the child activates or names this family).</summary>
    [ReadOnly]
    Task<FamilyWard> GetWardAsync();

    /// <summary>The family's risk status without audit, for the system's own use (worklists are built from ward entries).</summary>
    Task<FamilyRiskStatus> GetRiskStatusAsync();
}

/// <summary>A community health champion or maternity champion.</summary>
public interface IChampionGrain : IGrainWithStringKey
{
    Task<ContactReceipt> RecordAsync([Immutable] ContactEvent contact);

    /// <summary>An event naming this champion was recorded elsewhere (outreach, survey).</summary>
    [OneWay]
    Task ContactRecordedAsync([Immutable] ContactEvent contact);

    /// <summary>A family this champion signposted later registered with or attended the children's centre.</summary>
    [OneWay]
    Task SignpostedFamilyReachedAsync(string familyId, string eventId);

    /// <summary>
    /// Events that reached a family this champion signposted (<paramref name="markedEventIds"/>) were marked in error. The
    /// family, folded without them, is still reached by <paramref name="stillReachedBy"/> (an unmarked registration or
    /// attendance at or after a signposting), or by nothing (null). The champion remembers the marked events, so a late
    /// notice of one of them reaching the family does not count it again.
    /// </summary>
    [OneWay]
    Task ReachMarkedInErrorAsync(string familyId, [Immutable] string[] markedEventIds, string? stillReachedBy);

    Task<ChampionSummary> GetSummaryAsync();

    /// <summary>
    /// The champion's current contribution to each ward it has worked in, after catching up with the journal
    /// (reconciliation): entry keys <c>champion:{championId}@{wardCode}</c>.
    /// </summary>
    Task<IReadOnlyList<WardContribution>> GetContributionsAsync();
}

/// <summary>A service (health visiting, midwifery, children's centre, a drop-in or playgroup...).</summary>
public interface IServiceGrain : IGrainWithStringKey
{
    /// <summary>Records an event that concerns the service alone (a drop-in or playgroup session it hosted).</summary>
    Task<ContactReceipt> RecordAsync([Immutable] ContactEvent contact);

    Task<ServiceSummary> GetSummaryAsync();

    /// <summary>
    /// The service marked one of its events entered in error, and the mark is durable: the next summary reads the rows
    /// the service recorded afresh, rather than after its usual few seconds, so it counts the marked event no more at
    /// once. Awaited by the grain that committed the mark before it answers (marks are rare).
    /// </summary>
    Task MarkRecordedAsync();
}

/// <summary>Wakes children and families whose review windows have closed, from the durable deadline table.</summary>
public interface IDeadlineSweeperGrain : IGrainWithIntegerKey
{
    /// <summary>Ensures the sweep's reminder is registered.</summary>
    Task StartAsync();

    /// <summary>Ticks every entity whose deadline has passed; returns how many were woken.</summary>
    Task<int> SweepAsync();
}

[GenerateSerializer, Immutable, Alias("qp.ChampionSummary")]
public sealed record ChampionSummary(
    [property: Id(0)] string ChampionId,
    [property: Id(1)] int OutreachContacts,
    [property: Id(2)] int FamiliesSignposted,
    [property: Id(3)] IReadOnlyDictionary<string, int> SignpostedByService,
    [property: Id(4)] int SignpostedThenReached,
    [property: Id(5)] int SurveysRun,
    [property: Id(6)] int DropInsHosted,
    [property: Id(7)] long Version);

[GenerateSerializer, Immutable, Alias("qp.ServiceSummary")]
public sealed record ServiceSummary(
    [property: Id(0)] string ServiceId,
    [property: Id(1)] int ActiveChildren,
    [property: Id(2)] int ActiveFamilies,
    [property: Id(3)] IReadOnlyDictionary<string, int> ContactsByType,
    [property: Id(4)] int ContactsThisMonth,
    [property: Id(5)] int ContactsLast12Months,
    [property: Id(6)] int MissedAppointments,
    [property: Id(7)] double? MissedAppointmentRate,
    [property: Id(8)] int ReferralsIn,
    [property: Id(9)] int ReferralsOut,
    [property: Id(10)] double? AverageSatisfaction,
    [property: Id(11)] int SatisfactionResponses,
    [property: Id(12)] long Version,
    [property: Id(13)] int DropInsHosted);

/// <summary>Readiness: the silo answers and its storage answers.</summary>
public interface IHealthGrain : IGrainWithIntegerKey
{
    Task<StorageHealth> CheckAsync();
}

[GenerateSerializer, Immutable, Alias("qp.StorageHealth")]
public sealed record StorageHealth([property: Id(0)] bool Ok, [property: Id(1)] string Detail);

/// <summary>A child's assessment at one instant, with the instant it stops holding if no event arrives.</summary>
/// <param name="Version">The child's version it was computed at.</param>
/// <param name="At">The instant it holds at: when the event it follows was received.</param>
/// <param name="Until">When time alone next changes it (a review window closes, a contact leaves a look-back); null if never.</param>
/// <param name="OverdueReviews">Mandated reviews overdue at <paramref name="At"/>.</param>
[GenerateSerializer, Immutable, Alias("qp.ChildAssessed")]
public sealed record ChildAssessed(
    [property: Id(0)] int Version,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] DateTimeOffset? Until,
    [property: Id(3)] QpActors.Domain.Risk.RiskAssessment Assessment,
    [property: Id(4)] int OverdueReviews);

/// <summary>
/// A family's ward as one version of the family leaves it: the latest ward any of its events gave (registration, change of
/// details, a child's birth record), with the event that gave it.
/// </summary>
/// <param name="WardCode">Null while no event has given the family a ward.</param>
/// <param name="At">When the event that gave the ward happened (its <c>occurredAt</c>).</param>
/// <param name="EventId">That event's id: with <paramref name="At"/>, the order a child compares its own birth record in.</param>
/// <param name="FamilyVersion">
/// The number of the family's events this was folded from. It only grows, and a family state of more events holds every
/// event of one with fewer, so a higher version's ward is never older: a child takes a notice only when it is higher.
/// </param>
[GenerateSerializer, Immutable, Alias("qp.FamilyWard")]
public sealed record FamilyWard(
    [property: Id(0)] string FamilyId,
    [property: Id(1)] string? WardCode,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string EventId,
    [property: Id(4)] int FamilyVersion);
