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
