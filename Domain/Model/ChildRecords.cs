using System.Text.Json.Serialization;
using QpActors.Domain.Events;

namespace QpActors.Domain.Model;

public sealed record AntenatalBooking(DateOnly ExpectedDueDate, int GestationWeeks);

/// <summary>A mandated review as recorded; ASQ-3 scores only with the 2-year review.</summary>
public sealed record ReviewRecord(
    MandatedReview Review,
    DateTimeOffset At,
    string EventId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Asq3Scores? Asq3 = null) : ITimed;

public sealed record ImmunisationRecord(string Vaccine, bool Given, DateTimeOffset At, string EventId) : ITimed;

[JsonConverter(typeof(JsonStringEnumConverter<ReferralStatus>))]
public enum ReferralStatus
{
    [JsonStringEnumMemberName("made")] Made,
    [JsonStringEnumMemberName("accepted")] Accepted,
    [JsonStringEnumMemberName("declined")] Declined,
}

/// <summary>Where one referral stands, and the event that put it there.</summary>
public sealed record ReferralRecord(
    string ReferralId,
    ReferralStatus Status,
    string From,
    string To,
    DateTimeOffset At,
    string EventId) : ITimed
{
    /// <summary>
    /// An answer (accepted or declined) outranks the referral itself whatever the clocks said, so a
    /// phone whose clock ran slow cannot turn an accepted referral back into a pending one; between
    /// two answers the later wins.
    /// </summary>
    public static ReferralRecord Winner(ReferralRecord current, ReferralRecord candidate)
    {
        var rank = (candidate.Status != ReferralStatus.Made).CompareTo(current.Status != ReferralStatus.Made);
        return rank > 0 || (rank == 0 && EventOrder.Compare(candidate, current) > 0) ? candidate : current;
    }
}
