using System.Text.Json;
using System.Text.Json.Serialization;

namespace QpActors.Grains;

/// <summary>
/// What one entity adds to its ward's figures, as of its latest version. Entities send their whole
/// current contribution rather than deltas, so the ward can replace an older one and never double-count.
/// </summary>
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

/// <summary>A service's contacts with one child or family, for caseload figures.</summary>
/// <param name="ContactsByMonth">Contacts per calendar month (<c>yyyy-MM</c>), the last 13 months kept.</param>
/// <param name="MissedByMonth">
/// Missed appointments per calendar month, kept like <paramref name="ContactsByMonth"/>, so the missed-appointment
/// rate covers the same twelve months as the contacts; when absent the ward falls back to the lifetime count.
/// </param>
public sealed record ServiceContactTally(
    string ServiceId,
    DateOnly LastContact,
    IReadOnlyDictionary<string, int> ContactsByMonth,
    int MissedAppointments,
    int ReferralsMade,
    int ReferralsTakenUp,
    IReadOnlyDictionary<string, int>? MissedByMonth = null);

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
    DateOnly? LastSeenOn,
    double Score,
    string SuggestedLevel,
    IReadOnlyList<string> OverdueReviews,
    IReadOnlyList<ServiceContactTally> Services,
    int AeAttendances12Months,
    bool Synthetic);

public sealed record FamilyContribution(
    string FamilyId,
    string WardCode,
    double Score,
    string SuggestedLevel,
    string? SetLevel,
    int OverdueReviews,
    IReadOnlyList<string> OpenConcerns,
    IReadOnlyList<string> TopFactors,
    IReadOnlyList<string> ChildIds,
    IReadOnlyList<string> Champions,
    int OutreachContacts,
    IReadOnlyList<string> SignpostedTo,
    bool SignpostedThenReached,
    IReadOnlyList<SurveyScore> Surveys,
    DateTimeOffset UpdatedAt,
    bool Synthetic,
    int? SurveysCompleted = null);

public sealed record SurveyScore(string ServiceId, int Score);

public sealed record ChampionContribution(
    string ChampionId,
    string WardCode,
    int DropInsHosted,
    int SurveysRun,
    int OutreachContacts);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChildContribution))]
[JsonSerializable(typeof(FamilyContribution))]
[JsonSerializable(typeof(ChampionContribution))]
[JsonSerializable(typeof(IReadOnlyList<ServiceContactTally>))]
internal sealed partial class ContributionJsonContext : JsonSerializerContext;
