using System.Text.Json.Serialization;
using QpActors.Domain.Events;
using QpActors.Gateway.Application;
using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Http;

/// <summary>A posted contact event in the wire format of docs/design.md (documentation only: the body is checked by the catalogue).</summary>
public sealed record ContactEventBody(
    string EventId,
    string Type,
    DateTimeOffset OccurredAt,
    string? FamilyId,
    string? ChildId,
    Dictionary<string, object?>? Data);

/// <summary>A batch from an offline device: at most <c>ApiLimits.MaxBatchItems</c> events (a bare array is accepted too).</summary>
public sealed record ContactBatchBody(IReadOnlyList<ContactEventBody> Events);

/// <summary>
/// What a frontline app gets back for an event: <c>status</c> is <c>accepted</c>, <c>duplicate</c> (the original
/// receipt of an event the same recorder already recorded under that id, sent again, with its version) or <c>rejected</c>
/// with <c>errors</c> (nothing recorded; <c>version</c> 0). Another event under one's own id, or an id another recorder's
/// event holds, is rejected naming <c>eventId</c>, with nothing about the event that holds it. <c>index</c> is the item's position in a batch.
/// </summary>
public sealed record ReceiptResponse(
    string EventId,
    string Status,
    long Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<FieldProblem>? Errors,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Index = null)
{
    public static string StatusName(ReceiptStatus status) => status switch
    {
        ReceiptStatus.Accepted => "accepted",
        ReceiptStatus.Duplicate => "duplicate",
        _ => "rejected",
    };

    public static ReceiptResponse From(ContactReceipt receipt, int? index = null)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        return new(receipt.EventId, StatusName(receipt.Status), receipt.Version, receipt.Errors.Count > 0 ? receipt.Errors : null, index);
    }
}

public sealed record BatchResponse(int Accepted, int Duplicates, int Rejected, IReadOnlyList<ReceiptResponse> Receipts)
{
    public static BatchResponse From(IReadOnlyList<BatchReceipt> receipts)
    {
        ArgumentNullException.ThrowIfNull(receipts);
        return new(
            receipts.Count(r => r.Receipt.Status == ReceiptStatus.Accepted),
            receipts.Count(r => r.Receipt.Status == ReceiptStatus.Duplicate),
            receipts.Count(r => r.Receipt.Status == ReceiptStatus.Rejected),
            receipts.Select(r => ReceiptResponse.From(r.Receipt, r.Index)).ToArray());
    }
}

/// <summary>
/// A practitioner's level decision: <c>level</c> is <c>universal</c>, <c>universal-plus</c> or
/// <c>universal-partnership-plus</c>. <c>eventId</c> is required, as a contact's is (1-128 characters of A-Z a-z 0-9 . _ : -):
/// the client makes it once for the decision and sends it unchanged with every retry; it becomes the decision's event id.
/// </summary>
public sealed record SetLevelBody(string EventId, string Level, string Reason);

/// <summary>
/// A family's risk status. <c>setLevel</c> is the level a practitioner set (null if none; the score never sets it),
/// with the decision in <c>setLevelDecision</c>; <c>factors</c> name the events that triggered them;
/// <c>synthetic</c> marks generated (seed or benchmark) data; <c>markedInError</c> lists the events their recorders marked as
/// entered in error (which event, by which mark, who and why), which count for nothing and are cited by no factor. A
/// <c>history</c> change a mark made names the mark's id as its <c>cause</c>, and the <c>markedInError</c> entry with that
/// <c>markEventId</c> says why: the history keeps only ids, and the reason is personal text served with the status alone.
/// </summary>
public sealed record RiskStatusResponse(
    string FamilyId,
    string? WardCode,
    double Score,
    string SuggestedLevel,
    string? SetLevel,
    LevelDecision? SetLevelDecision,
    IReadOnlyList<FactorView> Factors,
    IReadOnlyList<ChildRiskView> Children,
    IReadOnlyList<OverdueReviewView> OverdueReviews,
    IReadOnlyList<ConcernView> OpenConcerns,
    IReadOnlyList<RiskChange> History,
    IReadOnlyList<HistoryEntry> RecentEvents,
    IReadOnlyList<MarkedInErrorView> MarkedInError,
    string RulesVersion,
    long Version,
    DateTimeOffset AsOf,
    bool Synthetic)
{
    public static RiskStatusResponse From(FamilyRiskStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new(status.FamilyId, status.WardCode, status.Score, status.SuggestedLevel, status.SetLevel?.Level, status.SetLevel,
            status.Factors, status.Children, status.OverdueReviews, status.OpenConcerns, status.History, status.RecentEvents,
            status.MarkedInError ?? [], status.RulesVersion, status.Version, status.AsOf, status.Synthetic);
    }
}

public sealed record UnreachedResponse(string WardCode, int Count, IReadOnlyList<UnreachedInfant> Items);

/// <summary>Figures with the documented key names, published through the small-number rule.</summary>
public sealed record FiguresResponse(string Key, DateTimeOffset AsOf, string Period, System.Text.Json.JsonElement Figures);

/// <summary>
/// A what-if on figures: <c>overrides</c> (required) is a partial object of the cost-benefit assumptions, in the shape
/// <c>GET /v1/cost-benefit/assumptions</c> answers (e.g. <c>{"deadweight": {"rate": 0.3}}</c>), applied on top of
/// <c>scenario</c> (default <c>default</c>) for this request alone; <c>period</c> and <c>asOf</c> are the GET's.
/// </summary>
public sealed record FiguresWhatIfBody(System.Text.Json.JsonElement Overrides, string? Scenario = null, string? Period = null, string? AsOf = null);

/// <summary>A ward's or an area's trend: one published figures document per completed month, oldest first.</summary>
public sealed record FiguresHistoryResponse(string Key, IReadOnlyList<FiguresHistoryMonth> Months);

public sealed record FiguresHistoryMonth(string Month, DateTimeOffset TakenAt, System.Text.Json.JsonElement Figures);

/// <summary>The kinds of contact event the catalogue accepts (served for frontline app developers).</summary>
public sealed record EventTypeResponse(string Type, string Description, string ChildId, bool FamilyIdRequired)
{
    public static EventTypeResponse From(EventTypeInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new(info.Name, info.Description, info.ChildId.ToWireName(), info.FamilyIdRequired);
    }
}

/// <summary>
/// A champion's own tallies (<c>GET /v1/champions/{championId}/summary</c>), for the champion's own token. Counts are of
/// events no one marked entered in error. <c>outreachContacts</c>: outreach events naming the champion;
/// <c>familiesSignposted</c>: families an outreach signposted to a service; <c>signpostedByService</c>: those families by
/// the service of each one's latest signposting (service code to count); <c>signpostedThenReached</c>: those families who
/// then registered with or attended the children's centre; <c>surveysRun</c>, <c>dropInsHosted</c>: surveys and drop-ins
/// naming the champion; <c>version</c>: how many of the champion's events the tallies have taken in (0 for a champion
/// that has recorded nothing).
/// </summary>
public sealed record ChampionSummaryResponse(
    string ChampionId,
    int OutreachContacts,
    int FamiliesSignposted,
    IReadOnlyDictionary<string, int> SignpostedByService,
    int SignpostedThenReached,
    int SurveysRun,
    int DropInsHosted,
    long Version)
{
    public static ChampionSummaryResponse From(ChampionSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new(summary.ChampionId, summary.OutreachContacts, summary.FamiliesSignposted, SummaryOperations.Ordered(summary.SignpostedByService),
            summary.SignpostedThenReached, summary.SurveysRun, summary.DropInsHosted, summary.Version);
    }
}

/// <summary>
/// A service's own tallies (<c>GET /v1/services/{serviceId}/summary</c>), for the service's own token, from the events the
/// service recorded that no one marked entered in error; read afresh from the journal at most every 5 seconds, so an event
/// just recorded may show a few seconds later. The last 12 months are the programme's: the month of today and the eleven
/// before it (docs/design.md, "Aggregates"). <c>activeChildren</c>, <c>activeFamilies</c>: children and families with a
/// contact in the last 12 months; <c>contactsByType</c>: events recorded in the last 12 months, by type (they add up to
/// <c>contactsLast12Months</c>); <c>contactsThisMonth</c>, <c>contactsLast12Months</c>: events recorded in this calendar
/// month and in the last 12 months, missed appointments included; <c>missedAppointments</c>: appointment-missed events in
/// the last 12 months, and <c>missedAppointmentRate</c>: of the appointments the service offered in them, the share the
/// child was not brought to, appointment-missed over appointment-missed plus review-completed and immunisation-given (0 to
/// 1; null with no appointment); <c>referralsIn</c>, <c>referralsOut</c>: referral-made events the service itself recorded
/// to it and from it, all time (one another service recorded to it is not counted); <c>averageSatisfaction</c> (1-5; null with none) over
/// <c>satisfactionResponses</c> survey scores for the service; <c>dropInsHosted</c>; <c>version</c>: how many of the
/// service's events the tallies have read (0 for a service that has recorded nothing).
/// </summary>
public sealed record ServiceSummaryResponse(
    string ServiceId,
    int ActiveChildren,
    int ActiveFamilies,
    IReadOnlyDictionary<string, int> ContactsByType,
    int ContactsThisMonth,
    int ContactsLast12Months,
    int MissedAppointments,
    double? MissedAppointmentRate,
    int ReferralsIn,
    int ReferralsOut,
    double? AverageSatisfaction,
    int SatisfactionResponses,
    int DropInsHosted,
    long Version)
{
    public static ServiceSummaryResponse From(ServiceSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new(summary.ServiceId, summary.ActiveChildren, summary.ActiveFamilies, SummaryOperations.Ordered(summary.ContactsByType),
            summary.ContactsThisMonth, summary.ContactsLast12Months, summary.MissedAppointments, summary.MissedAppointmentRate,
            summary.ReferralsIn, summary.ReferralsOut, summary.AverageSatisfaction, summary.SatisfactionResponses, summary.DropInsHosted, summary.Version);
    }
}
