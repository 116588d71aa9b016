using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace QpActors.Domain.Events;

/// <summary>The type-specific part of a contact event; one sealed record per catalogue type.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$type")]
[JsonDerivedType(typeof(FamilyRegistered), EventTypes.FamilyRegistered)]
[JsonDerivedType(typeof(FamilyDetailsChanged), EventTypes.FamilyDetailsChanged)]
[JsonDerivedType(typeof(PregnancyBooked), EventTypes.PregnancyBooked)]
[JsonDerivedType(typeof(BirthNotified), EventTypes.BirthNotified)]
[JsonDerivedType(typeof(ReviewCompleted), EventTypes.ReviewCompleted)]
[JsonDerivedType(typeof(AppointmentMissed), EventTypes.AppointmentMissed)]
[JsonDerivedType(typeof(CentreRegistered), EventTypes.CentreRegistered)]
[JsonDerivedType(typeof(SessionAttended), EventTypes.SessionAttended)]
[JsonDerivedType(typeof(ChampionOutreach), EventTypes.ChampionOutreach)]
[JsonDerivedType(typeof(SurveyCompleted), EventTypes.SurveyCompleted)]
[JsonDerivedType(typeof(ReferralMade), EventTypes.ReferralMade)]
[JsonDerivedType(typeof(ReferralAccepted), EventTypes.ReferralAccepted)]
[JsonDerivedType(typeof(ReferralDeclined), EventTypes.ReferralDeclined)]
[JsonDerivedType(typeof(AeAttendance), EventTypes.AeAttendance)]
[JsonDerivedType(typeof(ImmunisationGiven), EventTypes.ImmunisationGiven)]
[JsonDerivedType(typeof(ImmunisationMissed), EventTypes.ImmunisationMissed)]
[JsonDerivedType(typeof(ConcernRaised), EventTypes.ConcernRaised)]
[JsonDerivedType(typeof(ConcernResolved), EventTypes.ConcernResolved)]
[JsonDerivedType(typeof(ServiceLevelSet), EventTypes.ServiceLevelSet)]
[JsonDerivedType(typeof(DropInHosted), EventTypes.DropInHosted)]
[JsonDerivedType(typeof(EnteredInError), EventTypes.EnteredInError)]
public abstract record EventData
{
    /// <summary>The catalogue name of this data's event type.</summary>
    [JsonIgnore]
    public abstract string Type { get; }
}

public sealed record FamilyMember(string MemberId, MemberRole Role);

public sealed record FamilyRegistered(
    string WardCode,
    Housing Housing,
    bool? YoungParent = null,
    bool? GpRegistered = null,
    ValueList<FamilyMember>? Members = null) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.FamilyRegistered;
}

/// <summary>Only the fields present change; at least one is present.</summary>
public sealed record FamilyDetailsChanged(
    string? WardCode = null,
    Housing? Housing = null,
    bool? YoungParent = null,
    bool? GpRegistered = null,
    ValueList<FamilyMember>? Members = null) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.FamilyDetailsChanged;
}

public sealed record PregnancyBooked(DateOnly ExpectedDueDate, int GestationWeeks) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.PregnancyBooked;
}

public sealed record BirthNotified(DateOnly DateOfBirth, string WardCode) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.BirthNotified;
}

/// <summary>Ages and Stages Questionnaire scores, one per domain, each 0-60.</summary>
public sealed record Asq3Scores(int Communication, int GrossMotor, int FineMotor, int ProblemSolving, int PersonalSocial);

/// <param name="Asq3">Only with the 2-year review.</param>
public sealed record ReviewCompleted(MandatedReview Review, Asq3Scores? Asq3 = null) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.ReviewCompleted;
}

/// <summary>A "was not brought": the child missed an appointment with <paramref name="Service"/>.</summary>
public sealed record AppointmentMissed(string Service) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.AppointmentMissed;
}

public sealed record CentreRegistered(string? CentreId = null) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.CentreRegistered;
}

public sealed record SessionAttended(string Session) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.SessionAttended;
}

public sealed record ChampionOutreach(string ChampionId, string? SignpostedTo = null) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.ChampionOutreach;
}

/// <param name="Satisfaction">Service id to a score of 1-5; sorted so the record compares and serialises by content.</param>
public sealed record SurveyCompleted(string ChampionId, ImmutableSortedDictionary<string, int> Satisfaction) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.SurveyCompleted;

    public bool Equals(SurveyCompleted? other) =>
        other is not null
        && ChampionId == other.ChampionId
        && Satisfaction.Count == other.Satisfaction.Count
        && Satisfaction.All(pair => other.Satisfaction.TryGetValue(pair.Key, out var score) && score == pair.Value);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(ChampionId);
        foreach (var pair in Satisfaction)
        {
            hash.Add(pair.Key);
            hash.Add(pair.Value);
        }

        return hash.ToHashCode();
    }
}

/// <summary>The three referral events share their data; the type says where the referral stands.</summary>
public abstract record ReferralData(string ReferralId, string From, string To) : EventData;

public sealed record ReferralMade(string ReferralId, string From, string To) : ReferralData(ReferralId, From, To)
{
    [JsonIgnore]
    public override string Type => EventTypes.ReferralMade;
}

public sealed record ReferralAccepted(string ReferralId, string From, string To) : ReferralData(ReferralId, From, To)
{
    [JsonIgnore]
    public override string Type => EventTypes.ReferralAccepted;
}

public sealed record ReferralDeclined(string ReferralId, string From, string To) : ReferralData(ReferralId, From, To)
{
    [JsonIgnore]
    public override string Type => EventTypes.ReferralDeclined;
}

public sealed record AeAttendance(string? Reason = null) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.AeAttendance;
}

public sealed record ImmunisationGiven(string Vaccine) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.ImmunisationGiven;
}

public sealed record ImmunisationMissed(string Vaccine) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.ImmunisationMissed;
}

/// <summary>A concern about the family, even when raised at a child's contact.</summary>
public sealed record ConcernRaised(Concern Concern) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.ConcernRaised;
}

public sealed record ConcernResolved(Concern Concern) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.ConcernResolved;
}

/// <summary>A practitioner's decision; the risk engine only ever suggests a level.</summary>
public sealed record ServiceLevelSet(ServiceLevel Level, string Reason) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.ServiceLevelSet;
}

/// <summary>A drop-in session as a whole, not any one family's attendance.</summary>
public sealed record DropInHosted(string Session, string? ChampionId = null, int? Attendance = null) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.DropInHosted;
}

/// <summary>
/// The recorder's own marker that an event it recorded was entered in error (FHIR's <c>entered-in-error</c>): the wrong
/// family or child, or the same visit posted twice under two ids. The marked event stays in the journal for the audit
/// trail and no longer counts anywhere (<see cref="Model.MarksInError"/>).
/// </summary>
/// <param name="EventId">The marked event's id.</param>
/// <param name="Reason">Why, in the recorder's words; shown to the early intervention team with the mark.</param>
public sealed record EnteredInError(string EventId, string Reason) : EventData
{
    [JsonIgnore]
    public override string Type => EventTypes.EnteredInError;
}
