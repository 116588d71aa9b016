using System.Text.Json;
using System.Text.Json.Serialization;

namespace QpActors.Grains;

/// <summary>
/// What one entity adds to its ward's figures, as of its latest version. Entities send their whole
/// current contribution rather than deltas, so the ward can replace an older one and never double-count.
/// </summary>
/// <remarks>
/// <para>
/// The journal rewrites an entity's contribution with almost every event. PostgreSQL logs such an update (when the new
/// row stays on its page, as it nearly always does here) as only the bytes between the first and the last that
/// differ from the old row; the row holds the version and time just before the payload (schema 0005). So each record
/// below names first what an event changes (<see cref="JsonPropertyOrderAttribute"/>) and last what it never
/// changes (ids, ward, dates of birth): a contact then logs the JSON's first hundred or so bytes rather than all of it.
/// </para>
/// <para>Readers match names, not positions, so rows written in the earlier order read the same.</para>
/// </remarks>
public static class ContributionJson
{
    // Contributions are written on every contact event and read by every ward: the source-generated
    // metadata (same web defaults) avoids reflection-driven serialization; other types still resolve.
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine(
            ContributionJsonContext.Default, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver()),
    };

    /// <summary>
    /// The contribution as UTF-8 JSON: what the journal writes and the ward parses, with no string in between (a
    /// string would be encoded from the serialiser's UTF-8 and back again, and hold twice the bytes).
    /// </summary>
    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Deserialize<T>(ReadOnlySpan<byte> utf8Json) => JsonSerializer.Deserialize<T>(utf8Json, Options)
        ?? throw new JsonException($"empty {typeof(T).Name}");
}

/// <summary>
/// A service's contacts with one child or family, for caseload figures; the last contact and the counts a contact
/// changes come first in its JSON (see <see cref="ContributionJson"/>).
/// </summary>
/// <param name="ContactsByMonth">Contacts per calendar month (<c>yyyy-MM</c>), the last 13 months kept, newest first.</param>
/// <param name="MissedByMonth">
/// Missed appointments per calendar month, kept like <paramref name="ContactsByMonth"/>, so the missed-appointment
/// rate covers the same twelve months as the contacts; when absent the ward falls back to the lifetime count.
/// </param>
public sealed record ServiceContactTally(
    string ServiceId,
    [property: JsonPropertyOrder(-4)] DateOnly LastContact,
    [property: JsonPropertyOrder(-3)] IReadOnlyDictionary<string, int> ContactsByMonth,
    [property: JsonPropertyOrder(-2)] int MissedAppointments,
    int ReferralsMade,
    int ReferralsTakenUp,
    [property: JsonPropertyOrder(-1)] IReadOnlyDictionary<string, int>? MissedByMonth = null);

/// <summary>A child's part of its ward's figures (reach, indicators, caseload, children by suggested level).</summary>
/// <param name="TwoYearReviewUsedAsq3">
/// Whether <paramref name="TwoYearReviewWithAsq3On"/> is set: written for wards of the version before it, which read this.
/// </param>
/// <param name="TwoYearReviewWithAsq3On">
/// The day of the first 2-2½ year review with ASQ-3 scores that counts as the review (the schedule's rule), which C6ii
/// counts only by 2½ years. Null in an entry written before entries carried it: the ward then reads the flag.
/// </param>
/// <param name="NoAntenatalContactOwed">
/// True when the schedule owed no antenatal contact (a baby born by the day pregnancy reached 28 weeks): C1 leaves the child out of
/// its denominator. Written only when true, so other children's entries keep their bytes.
/// </param>
/// <param name="RulesVersion">
/// The rules <see cref="Score"/> and <see cref="SuggestedLevel"/> were assessed under (null in an entry written before child
/// entries named them, under risk-rules.v1). The ward counts children by suggested level and weighs a ward's share of the
/// savings by it, so a ward holding an entry of other rules asks the child for a fresh one, as it asks families.
/// </param>
public sealed record ChildContribution(
    string ChildId,
    string? FamilyId,
    string WardCode,
    bool KnownFromBirthRecord,
    DateOnly? DateOfBirth,
    DateOnly? ExpectedDueDate,
    int? GestationAtBooking,
    DateOnly? AntenatalReviewOn,
    DateOnly? NewBirthVisitOn,
    DateOnly? SixToEightWeekReviewOn,
    DateOnly? OneYearReviewOn,
    DateOnly? TwoYearReviewOn,
    bool TwoYearReviewUsedAsq3,
    DateOnly? RegisteredOn,
    [property: JsonPropertyOrder(-3)] DateOnly? LastSeenOn,
    [property: JsonPropertyOrder(-6)] double Score,
    [property: JsonPropertyOrder(-5)] string SuggestedLevel,
    [property: JsonPropertyOrder(-2)] IReadOnlyList<string> OverdueReviews,
    [property: JsonPropertyOrder(-4)] IReadOnlyList<ServiceContactTally> Services,
    [property: JsonPropertyOrder(-1)] int AeAttendances12Months,
    bool Synthetic,
    DateOnly? TwoYearReviewWithAsq3On = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool NoAntenatalContactOwed = false,
    string? RulesVersion = null);

/// <summary>A family's line on its ward's worklist and its part of the ward's figures.</summary>
/// <param name="RiskChangedAt">
/// When the family's score or suggested level last changed, on its own risk timeline: an event's receipt, or the instant
/// time alone changed it (a review window closing). Null in an entry written before entries carried it, and for a
/// family whose score never moved from 0.
/// </param>
/// <param name="LevelChangedAt">When the suggested level last changed (null if it never did, or in an older entry).</param>
/// <param name="LevelChangedFrom">The suggested level before that change.</param>
/// <param name="RulesVersion">
/// The rules the score was assessed under. A ward holding an entry of other rules (or one written before entries named
/// them) asks the family for a fresh one, so after an upgrade of the rules no family keeps its old score on a list.
/// </param>
/// <param name="RulesChanges">
/// Each change of the rules the family met, with what it showed under the old ones (null when it met none): the family
/// reads them back when it activates, so its risk history names them at the same instants after every restart, and it
/// learns of an upgrade from an entry of other rules only once (docs/design.md, "What the history says").
/// </param>
/// <remarks>
/// The three change marks come first in the JSON: they change only with the score, which comes next, so they add no
/// bytes to what PostgreSQL logs for an event that leaves the score alone (see <see cref="ContributionJson"/>).
/// <see cref="ChangeTimesKnown"/> comes last, with what never changes, for the same reason.
/// </remarks>
public sealed record FamilyContribution(
    string FamilyId,
    string WardCode,
    [property: JsonPropertyOrder(-5)] double Score,
    [property: JsonPropertyOrder(-4)] string SuggestedLevel,
    string? SetLevel,
    [property: JsonPropertyOrder(-3)] int OverdueReviews,
    [property: JsonPropertyOrder(-1)] IReadOnlyList<string> OpenConcerns,
    [property: JsonPropertyOrder(-2)] IReadOnlyList<string> TopFactors,
    IReadOnlyList<string> ChildIds,
    IReadOnlyList<string> Champions,
    int OutreachContacts,
    IReadOnlyList<string> SignpostedTo,
    bool SignpostedThenReached,
    IReadOnlyList<SurveyScore> Surveys,
    [property: JsonPropertyOrder(-6)] DateTimeOffset UpdatedAt,
    bool Synthetic,
    int? SurveysCompleted = null,
    [property: JsonPropertyOrder(-9)] DateTimeOffset? RiskChangedAt = null,
    [property: JsonPropertyOrder(-8)] DateTimeOffset? LevelChangedAt = null,
    [property: JsonPropertyOrder(-7)] string? LevelChangedFrom = null,
    string? RulesVersion = null,
    IReadOnlyList<RulesChangeEntry>? RulesChanges = null)
{
    /// <summary>
    /// Whether an entry's JSON says it was assessed under <paramref name="rulesVersionProperty"/> (the bytes of
    /// <c>"rulesVersion":"...":</c> see <see cref="RulesVersionProperty"/>), told without parsing it. An entry written
    /// before entries named their rules was assessed under risk-rules.v1 or earlier, so it does not say so.
    /// </summary>
    public static bool AssessedUnder(ReadOnlySpan<byte> entry, ReadOnlySpan<byte> rulesVersionProperty) =>
        entry.IndexOf(rulesVersionProperty) >= 0;

    /// <summary>The bytes an entry assessed under <paramref name="rulesVersion"/> holds (a rules version is plain ASCII, never escaped).</summary>
    public static byte[] RulesVersionProperty(string rulesVersion) =>
        System.Text.Encoding.UTF8.GetBytes("\"rulesVersion\":\"" + rulesVersion + "\"");

    /// <summary>
    /// What this version's entries say beside the three change marks: they carry them, so a null <see cref="RiskChangedAt"/>
    /// means the risk never changed. An entry written before says nothing of the kind, and its nulls mean only that it
    /// does not tell; a ward asks such a family for a fresh entry before a <c>changedSince</c> list (docs/design.md,
    /// "The worklist"). Written last (with what never changes, so a contact's rewrite of the entry logs no more of it) and
    /// never read back into the record: the ward looks for <see cref="ChangeTimesKnownEnding"/> in the entry's bytes,
    /// since reading a value back costs each parse of an entry an allocation (the serialiser passes a record's values
    /// boxed), and a ward parses a family's entry on each read after it changed.
    /// </summary>
    [JsonPropertyOrder(1)]
    public bool ChangeTimesKnown => true;

    /// <summary>How an entry written by this version ends (<see cref="ChangeTimesKnown"/>, last in its JSON).</summary>
    public static ReadOnlySpan<byte> ChangeTimesKnownEnding => ",\"changeTimesKnown\":true}"u8;

    /// <summary>Whether an entry's JSON says it carries the change marks (see <see cref="ChangeTimesKnown"/>).</summary>
    public static bool KnowsChangeTimes(ReadOnlySpan<byte> entry) => entry.EndsWith(ChangeTimesKnownEnding);
}

/// <summary>
/// A change of the rules a family met, as its ward entry keeps it: when the family was first assessed under
/// <paramref name="To"/>, and the score and level it showed under <paramref name="From"/> (its entry's, then).
/// </summary>
public sealed record RulesChangeEntry(DateTimeOffset At, string From, string To, double PreviousScore, string PreviousLevel);

public sealed record SurveyScore(string ServiceId, int Score);

public sealed record ChampionContribution(
    string ChampionId,
    string WardCode,
    [property: JsonPropertyOrder(-3)] int DropInsHosted,
    [property: JsonPropertyOrder(-2)] int SurveysRun,
    [property: JsonPropertyOrder(-1)] int OutreachContacts);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChildContribution))]
[JsonSerializable(typeof(FamilyContribution))]
[JsonSerializable(typeof(ChampionContribution))]
[JsonSerializable(typeof(IReadOnlyList<ServiceContactTally>))]
internal sealed partial class ContributionJsonContext : JsonSerializerContext;
