using System.Text.Json.Serialization;

namespace QpActors.Domain.Events;

/// <summary>The catalogue's type names, as they appear on the wire.</summary>
public static class EventTypes
{
    public const string FamilyRegistered = "family-registered";
    public const string FamilyDetailsChanged = "family-details-changed";
    public const string PregnancyBooked = "pregnancy-booked";
    public const string BirthNotified = "birth-notified";
    public const string ReviewCompleted = "review-completed";
    public const string AppointmentMissed = "appointment-missed";
    public const string CentreRegistered = "centre-registered";
    public const string SessionAttended = "session-attended";
    public const string ChampionOutreach = "champion-outreach";
    public const string SurveyCompleted = "survey-completed";
    public const string ReferralMade = "referral-made";
    public const string ReferralAccepted = "referral-accepted";
    public const string ReferralDeclined = "referral-declined";
    public const string AeAttendance = "ae-attendance";
    public const string ImmunisationGiven = "immunisation-given";
    public const string ImmunisationMissed = "immunisation-missed";
    public const string ConcernRaised = "concern-raised";
    public const string ConcernResolved = "concern-resolved";
    public const string ServiceLevelSet = "service-level-set";
    public const string DropInHosted = "drop-in-hosted";
    public const string EnteredInError = "entered-in-error";
}

/// <summary>Whether an event type carries a child id; its wire names are the catalogue's (<c>GET /v1/event-types</c>).</summary>
public enum ChildIdRule
{
    /// <summary>The event is about the family or a session; a child id is rejected.</summary>
    [JsonStringEnumMemberName("not-allowed")] NotAllowed,
    [JsonStringEnumMemberName("optional")] Optional,
    [JsonStringEnumMemberName("required")] Required,
}

/// <summary>One row of the catalogue, for documentation and OpenAPI.</summary>
public sealed record EventTypeInfo(string Name, string Description, ChildIdRule ChildId, bool FamilyIdRequired);
