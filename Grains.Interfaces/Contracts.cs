using System.Text.Json.Serialization;
using QpActors.Domain.Events;

namespace QpActors.Grains.Interfaces;

/// <summary>What a frontline app gets back for each contact event it posts.</summary>
[GenerateSerializer, Immutable, Alias("qp.ContactReceipt")]
public sealed record ContactReceipt(
    [property: Id(0)] string EventId,
    [property: Id(1)] ReceiptStatus Status,
    [property: Id(2)] long Version,
    [property: Id(3)] IReadOnlyList<FieldProblem> Errors)
{
    public static ContactReceipt Rejected(string eventId, IReadOnlyList<FieldProblem> errors) =>
        new(eventId, ReceiptStatus.Rejected, 0, errors);

    /// <summary>
    /// The answer to <paramref name="repeat"/>, sent under the id of the stored <paramref name="original"/>. A receipt tells
    /// its sender only about the sender's own records: an id another recorder's event holds is refused naming
    /// <c>eventId</c>, with version 0 and nothing of that event (its version is how many events a family or child holds,
    /// and the sender may not read it). The sender's own event sent again (<see cref="ContactEvent.IsRepeatOf"/>) answers
    /// what its first attempt did, the original acceptance's version. Any other event under the id is refused naming
    /// <c>eventId</c> and changes nothing: a device drops its copy of an event answered as a duplicate, so answering
    /// another event as done would lose it.
    /// </summary>
    public static ContactReceipt ForRepeat(ContactEvent original, long originalVersion, ContactEvent repeat)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(repeat);
        if (!string.Equals(original.RecordedBy, repeat.RecordedBy, StringComparison.Ordinal))
        {
            return Rejected(repeat.EventId, [new FieldProblem("eventId", TakenByAnotherRecorder)]);
        }

        return repeat.IsRepeatOf(original)
            ? new ContactReceipt(repeat.EventId, ReceiptStatus.Duplicate, originalVersion, [])
            : NotTheSameEvent(repeat);
    }

    /// <summary>The refusal of an event sent under the id of another event of the same recorder's.</summary>
    public static ContactReceipt NotTheSameEvent(ContactEvent repeat)
    {
        ArgumentNullException.ThrowIfNull(repeat);
        return Rejected(repeat.EventId, [new FieldProblem("eventId", repeat.Data is ServiceLevelSet ? NamesAnotherDecision : HoldsAnotherEvent)]);
    }

    public const string TakenByAnotherRecorder =
        "is already the id of an event another recorder recorded; nothing was recorded: send this event under an id of its own";

    public const string HoldsAnotherEvent =
        "is already the id of a different event (another type, occurredAt, family, child or data); nothing was recorded: send this event under a new eventId";

    public const string NamesAnotherDecision =
        "is already the id of another level decision (another family, level or reason); nothing was changed: a new decision needs a new eventId";
}

[GenerateSerializer, Alias("qp.ReceiptStatus")]
public enum ReceiptStatus
{
    Accepted,
    Duplicate,
    Rejected,
}

/// <summary>One invalid field: <c>Field</c> is a JSON path such as <c>data.dateOfBirth</c>.</summary>
[GenerateSerializer, Immutable, Alias("qp.FieldProblem")]
public sealed record FieldProblem([property: Id(0)] string Field, [property: Id(1)] string Message);

/// <summary>
/// Who is calling, as established by the gateway from a validated token. The gateway puts it in the
/// Orleans request context; clients of the gateway cannot set it, so grains trust it for audit.
/// </summary>
[GenerateSerializer, Immutable, Alias("qp.Caller")]
public sealed record Caller(
    [property: Id(0)] string UserId,
    [property: Id(1)] string Role,
    [property: Id(2)] IReadOnlyList<string> Wards,
    [property: Id(3)] string? Service,
    [property: Id(4)] string? Champion)
{
    /// <summary>
    /// The display names the token carries (each value of its OpenID Connect <c>name</c> claim, as given): none when it
    /// carries no name, several when the claim is a JSON array of them. Only the gateway reads them, to keep the name with
    /// a level decision it builds (checked there, see <c>Domain.Events.PractitionerNames</c>, which refuses several), and
    /// a decision reaches the grains with the name inside the event. So they are not serialised: the caller travels with
    /// every grain call, and a name would add its bytes to each one for nothing. A silo of the external topology sees none.
    /// </summary>
    [field: NonSerialized]
    public IReadOnlyList<string> Names { get => field ?? []; init; }
}

/// <summary>
/// The family's answer to a level decision (<see cref="IFamilyGrain.DecideLevelAsync"/>): whether the caller could set the
/// level, and the decision's receipt when so. A refused decision has no receipt and recorded nothing. A decision the family
/// answers itself comes <see cref="AccessOutcome.Granted"/> with its receipt: recorded, a retry's, or rejected naming the
/// field (another decision under the id; a token whose name cannot be kept, which is refused before access is decided
/// and so says nothing of the family).
/// </summary>
[GenerateSerializer, Immutable, Alias("qp.LevelDecisionAnswer")]
public sealed record LevelDecisionAnswer(
    [property: Id(0)] AccessOutcome Outcome,
    [property: Id(1)] ContactReceipt? Receipt);

/// <summary>Why an identifiable record is being opened; a break-glass reason when outside the caller's wards.</summary>
[GenerateSerializer, Immutable, Alias("qp.ReadPurpose")]
public sealed record ReadPurpose(
    [property: Id(0)] string Purpose,
    [property: Id(1)] string? BreakGlassReason);

[GenerateSerializer, Alias("qp.AccessOutcome")]
public enum AccessOutcome
{
    Granted,
    NotFound,
    OutOfScope,
    Forbidden,
}

[GenerateSerializer, Immutable, Alias("qp.Factor")]
public sealed record FactorView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Description,
    [property: Id(2)] double Weight,
    [property: Id(3)] IReadOnlyList<string> EventIds,
    [property: Id(4)] string? ChildId);

/// <summary>
/// A mandated review's window and completion as the programme's calendar dates (its time zone's, both days included),
/// not instants: a date sent as midnight UTC reads as the day before on a client west of Greenwich.
/// </summary>
/// <remarks>
/// Ids 1 to 3 carried these as midnight-UTC instants: the dates take new ids so that a silo and a gateway of different
/// versions (a rolling upgrade) skip what they cannot read rather than fail on it.
/// </remarks>
[GenerateSerializer, Immutable, Alias("qp.ReviewView")]
public sealed record ReviewView(
    [property: Id(0)] string Review,
    [property: Id(5)] DateOnly? DueFrom,
    [property: Id(6)] DateOnly? DueBy,
    [property: Id(7)] DateOnly? CompletedOn,
    [property: Id(4)] string Status);

/// <summary>A child's overdue review; <c>DueBy</c> is the last day of its window, a programme calendar date.</summary>
/// <remarks>Id 2 carried the date as a midnight-UTC instant (see <see cref="ReviewView"/>).</remarks>
[GenerateSerializer, Immutable, Alias("qp.OverdueReview")]
public sealed record OverdueReviewView(
    [property: Id(0)] string ChildId,
    [property: Id(1)] string Review,
    [property: Id(3)] DateOnly? DueBy);

[GenerateSerializer, Immutable, Alias("qp.Concern")]
public sealed record ConcernView(
    [property: Id(0)] string Concern,
    [property: Id(1)] DateTimeOffset RaisedOn,
    [property: Id(2)] string EventId);

/// <summary>One change of score or suggested level and what caused it (an event id, or the passing of time).</summary>
[GenerateSerializer, Immutable, Alias("qp.RiskChange")]
public sealed record RiskChange(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] double Score,
    [property: Id(2)] string SuggestedLevel,
    [property: Id(3)] double PreviousScore,
    [property: Id(4)] string PreviousLevel,
    [property: Id(5)] string Cause);

/// <summary>A child's risk and schedule, as the early intervention team sees it inside a family.</summary>
/// <remarks>
/// <see cref="History"/> is the child's own score changes, which the child grain keeps. A family's risk status leaves it
/// out (null, and absent from the JSON): the family's <c>history</c> already holds every change a child's event made to
/// the family's score, with that event as its cause, and an empty list in its place would read as "nothing changed".
/// </remarks>
[GenerateSerializer, Immutable, Alias("qp.ChildRisk")]
public sealed record ChildRiskView(
    [property: Id(0)] string ChildId,
    [property: Id(1)] string? FamilyId,
    [property: Id(2)] DateOnly? DateOfBirth,
    [property: Id(3)] DateOnly? ExpectedDueDate,
    [property: Id(4)] double Score,
    [property: Id(5)] string SuggestedLevel,
    [property: Id(6)] IReadOnlyList<FactorView> Factors,
    [property: Id(7)] IReadOnlyList<ReviewView> Reviews,
    [property: Id(8)] string RulesVersion,
    [property: Id(9)] long Version,
    [property: Id(10), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<RiskChange>? History);

/// <summary>The practitioner's decision on a family's service level.</summary>
/// <param name="SetBy">
/// The recorder: the team or service whose token recorded it (<c>service:early-intervention</c> for every early
/// intervention practitioner), as every event's <c>recordedBy</c> is.
/// </param>
/// <param name="Practitioner">
/// The person who made the decision and may be asked why: the subject of the token that recorded it, never anything
/// the client sent. Null for a decision recorded before decisions named their practitioner; <see cref="SetBy"/> then
/// names only the team.
/// </param>
/// <param name="PractitionerName">
/// The practitioner's display name, from the <c>name</c> claim of the token that recorded the decision, so a colleague
/// can read who decided without knowing identity-provider ids. Null when that token carried none, and for a decision
/// recorded before decisions kept a name.
/// </param>
[GenerateSerializer, Immutable, Alias("qp.LevelDecision")]
public sealed record LevelDecision(
    [property: Id(0)] string Level,
    [property: Id(1)] string Reason,
    [property: Id(2)] string SetBy,
    [property: Id(3)] DateTimeOffset SetAt,
    [property: Id(4)] string EventId,
    [property: Id(5)] string? Practitioner,
    [property: Id(6)] string? PractitionerName = null);

/// <summary>One of a family's recent events.</summary>
/// <param name="Practitioner">
/// On a level decision's line, who made it (as <see cref="LevelDecision.Practitioner"/>). Left out of the JSON where there
/// is none: most lines are contacts, which name no practitioner, and a risk read sends twenty lines.
/// </param>
/// <param name="PractitionerName">On a level decision's line, their display name (as <see cref="LevelDecision.PractitionerName"/>); left out likewise.</param>
[GenerateSerializer, Immutable, Alias("qp.HistoryEntry")]
public sealed record HistoryEntry(
    [property: Id(0)] DateTimeOffset OccurredAt,
    [property: Id(1)] string Type,
    [property: Id(2)] string EventId,
    [property: Id(3)] string RecordedBy,
    [property: Id(4), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Practitioner,
    [property: Id(5), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PractitionerName = null);

/// <summary>
/// An event its recorder marked as entered in error (<c>entered-in-error</c>): it stays in the journal for the audit trail
/// and counts for nothing. Shown so an auditor sees what was taken back, by whom and why.
/// </summary>
/// <param name="MarkedEventId">The event taken back.</param>
/// <param name="MarkEventId">The <c>entered-in-error</c> event that took it back.</param>
/// <param name="RecordedBy">Who marked it: always the recorder of the marked event.</param>
/// <param name="MarkedAt">When the mark was made (its <c>occurredAt</c>).</param>
/// <param name="Reason">The recorder's reason.</param>
/// <param name="ChildId">The child the marked event was about; left out for a family's own event.</param>
[GenerateSerializer, Immutable, Alias("qp.MarkedInErrorView")]
public sealed record MarkedInErrorView(
    [property: Id(0)] string MarkedEventId,
    [property: Id(1)] string MarkEventId,
    [property: Id(2)] string RecordedBy,
    [property: Id(3)] DateTimeOffset MarkedAt,
    [property: Id(4)] string Reason,
    [property: Id(5), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ChildId);

/// <summary>A family's risk status: the suggested level, the level a practitioner set, and why.</summary>
[GenerateSerializer, Immutable, Alias("qp.FamilyRiskStatus")]
public sealed record FamilyRiskStatus(
    [property: Id(0)] string FamilyId,
    [property: Id(1)] string? WardCode,
    [property: Id(2)] double Score,
    [property: Id(3)] string SuggestedLevel,
    [property: Id(4)] LevelDecision? SetLevel,
    [property: Id(5)] IReadOnlyList<FactorView> Factors,
    [property: Id(6)] IReadOnlyList<ChildRiskView> Children,
    [property: Id(7)] IReadOnlyList<OverdueReviewView> OverdueReviews,
    [property: Id(8)] IReadOnlyList<ConcernView> OpenConcerns,
    [property: Id(9)] IReadOnlyList<RiskChange> History,
    [property: Id(10)] IReadOnlyList<HistoryEntry> RecentEvents,
    [property: Id(11)] string RulesVersion,
    [property: Id(12)] long Version,
    [property: Id(13)] DateTimeOffset AsOf,
    [property: Id(14)] bool Synthetic,
    [property: Id(15)] IReadOnlyList<MarkedInErrorView>? MarkedInError = null);

[GenerateSerializer, Immutable, Alias("qp.FamilyRiskRead")]
public sealed record FamilyRiskRead(
    [property: Id(0)] AccessOutcome Outcome,
    [property: Id(1)] FamilyRiskStatus? Status);

/// <summary>
/// A risk read for the HTTP API: the same checks, audit and status as <see cref="FamilyRiskRead"/>, with the
/// status already written as the UTF-8 JSON body the API serves (empty unless granted), in two parts sent one after
/// the other: <see cref="Head"/>, everything that depends only on the status, which the family writes once per change
/// of its status and hands to every read as it is, and <see cref="Tail"/>, this read's own instant and the closing
/// brace. Neither the grain call nor the gateway walks the status's lists or copies the head per read.
/// </summary>
/// <remarks>The head is shared between reads: nothing may write to it.</remarks>
[GenerateSerializer, Immutable, Alias("qp.FamilyRiskJson")]
public sealed record FamilyRiskJson(
    [property: Id(0)] AccessOutcome Outcome,
    [property: Id(2)] ReadOnlyMemory<byte> Head,
    [property: Id(3)] ReadOnlyMemory<byte> Tail)
{
    /// <summary>The whole body's length in bytes.</summary>
    public int Length => Head.Length + Tail.Length;
}
