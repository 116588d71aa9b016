using System.Text.Json;
using QpActors.Domain.Events;

namespace QpActors.Domain.Tests;

/// <summary>Builders for events and wire objects shared by the tests.</summary>
internal static class TestData
{
    public static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    public const string Recorder = "service:health-visiting";

    /// <summary>One valid wire object per catalogue type: (type, childId, data JSON).</summary>
    public static readonly (string Type, string? ChildId, string Data)[] ValidSamples =
    [
        (EventTypes.FamilyRegistered, null, """{"wardCode":"queens-park","housing":"social-rented","youngParent":false,"gpRegistered":true,"members":[{"memberId":"m-1","role":"parent"},{"memberId":"m-2","role":"child"}]}"""),
        (EventTypes.FamilyDetailsChanged, null, """{"housing":"temporary-accommodation"}"""),
        (EventTypes.PregnancyBooked, "c-1", """{"expectedDueDate":"2027-03-01","gestationWeeks":10}"""),
        (EventTypes.BirthNotified, "c-1", """{"dateOfBirth":"2026-11-18","wardCode":"queens-park"}"""),
        (EventTypes.ReviewCompleted, "c-1", """{"review":"2-year","asq3":{"communication":40,"grossMotor":50,"fineMotor":45,"problemSolving":35,"personalSocial":40}}"""),
        (EventTypes.AppointmentMissed, "c-1", """{"service":"health-visiting"}"""),
        (EventTypes.CentreRegistered, "c-1", """{"centreId":"qp-centre"}"""),
        (EventTypes.SessionAttended, null, """{"session":"sounds-like-fun"}"""),
        (EventTypes.ChampionOutreach, null, """{"championId":"ch-7","signpostedTo":"childrens-centre"}"""),
        (EventTypes.SurveyCompleted, null, """{"championId":"ch-7","satisfaction":{"health-visiting":4,"childrens-centre":5}}"""),
        (EventTypes.ReferralMade, "c-1", """{"referralId":"r-1","from":"health-visiting","to":"childrens-centre"}"""),
        (EventTypes.ReferralAccepted, null, """{"referralId":"r-1","from":"health-visiting","to":"childrens-centre"}"""),
        (EventTypes.ReferralDeclined, "c-1", """{"referralId":"r-1","from":"health-visiting","to":"childrens-centre"}"""),
        (EventTypes.AeAttendance, "c-1", """{"reason":"fall"}"""),
        (EventTypes.ImmunisationGiven, "c-1", """{"vaccine":"MMR"}"""),
        (EventTypes.ImmunisationMissed, "c-1", """{"vaccine":"6-in-1"}"""),
        (EventTypes.ConcernRaised, "c-1", """{"concern":"maternal-mental-health"}"""),
        (EventTypes.ConcernResolved, null, """{"concern":"domestic-abuse"}"""),
        (EventTypes.ServiceLevelSet, null, """{"level":"universal-partnership-plus","reason":"Agreed at the team meeting"}"""),
        (EventTypes.DropInHosted, null, """{"session":"maternity-drop-in","championId":"ch-2","attendance":12}"""),
        (EventTypes.EnteredInError, "c-1", """{"eventId":"e-0","reason":"Recorded on the wrong child"}"""),
    ];

    public static string Wire(string type, string? childId, string data, string eventId = "e-1", string occurredAt = "2026-11-20T10:15:00Z")
    {
        var family = type == EventTypes.DropInHosted ? string.Empty : "\"familyId\":\"f-1\",";
        var child = childId is null ? string.Empty : $"\"childId\":\"{childId}\",";
        return $$"""{"eventId":"{{eventId}}","type":"{{type}}","occurredAt":"{{occurredAt}}",{{family}}{{child}}"data":{{data}}}""";
    }

    public static ParseResult Parse(string json, DateTimeOffset? receivedAt = null)
    {
        using var document = JsonDocument.Parse(json);
        return EventCatalogue.Parse(document.RootElement, Recorder, receivedAt ?? Now, ProgrammeCalendar.QueensPark);
    }

    public static ContactEvent Event(
        string eventId, DateTimeOffset at, EventData data, string? childId = "c-1", string? familyId = "f-1", string recordedBy = Recorder) =>
        new(eventId, data.Type, at, familyId, childId, recordedBy, at.AddMinutes(1), data);

    public static DateTimeOffset Day(int year, int month, int day, int hour = 10) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A realistic child's first two and a half years: booking, birth, reviews (one late, one
    /// missing), missed appointments, A&amp;E, immunisations, centre use, referrals and concerns,
    /// with out-of-order timestamps and ties so ordering rules are exercised.
    /// </summary>
    public static List<ContactEvent> RealisticChild()
    {
        var born = new DateOnly(2024, 3, 10);
        var events = new List<ContactEvent>
        {
            Event("e-01", Day(2023, 9, 1), new PregnancyBooked(new DateOnly(2024, 3, 15), 14)),
            Event("e-02", Day(2023, 12, 20), new ReviewCompleted(MandatedReview.Antenatal)),
            Event("e-03", Day(2024, 3, 11), new BirthNotified(born, "queens-park")),
            Event("e-04", Day(2024, 3, 22), new ReviewCompleted(MandatedReview.NewBirth)),
            Event("e-05", Day(2024, 4, 30), new AppointmentMissed("health-visiting")),
            Event("e-06", Day(2024, 5, 28), new ReviewCompleted(MandatedReview.SixToEightWeek)),
            Event("e-07", Day(2024, 5, 10), new ImmunisationGiven("6-in-1")),
            Event("e-08", Day(2024, 6, 10), new ImmunisationMissed("6-in-1")),
            Event("e-09", Day(2024, 7, 10), new ImmunisationGiven("6-in-1")),
            Event("e-10", Day(2025, 3, 12), new ImmunisationMissed("MMR")),
            Event("e-11", Day(2024, 8, 1), new CentreRegistered("qp-centre")),
            Event("e-12", Day(2024, 9, 5), new SessionAttended("sounds-like-fun")),
            Event("e-13", Day(2024, 9, 12), new SessionAttended("sounds-like-fun")),
            Event("e-14", Day(2025, 1, 3), new AeAttendance("fall")),
            Event("e-15", Day(2025, 6, 3), new AeAttendance("burn")),
            Event("e-16", Day(2025, 6, 3), new AeAttendance("fever")),
            Event("e-17", Day(2025, 4, 20), new ReviewCompleted(MandatedReview.OneYear)),
            Event("e-18", Day(2025, 2, 1), new ReferralMade("r-1", "health-visiting", "childrens-centre")),
            Event("e-19", Day(2025, 1, 30), new ReferralAccepted("r-1", "health-visiting", "childrens-centre")),
            Event("e-20", Day(2025, 7, 1), new AppointmentMissed("health-visiting")),
            Event("e-21", Day(2025, 9, 1), new AppointmentMissed("childrens-centre")),
            Event("e-22", Day(2025, 9, 1), new ConcernRaised(Concern.MaternalMentalHealth)),
            Event("e-23", Day(2025, 10, 1), new ConcernResolved(Concern.MaternalMentalHealth)),
            Event("e-24", Day(2026, 3, 20), new ReviewCompleted(MandatedReview.TwoYear, new Asq3Scores(20, 50, 50, 50, 50))),
            Event("e-25", Day(2026, 4, 2), new SessionAttended("sounds-like-fun")),
            Event("e-26", Day(2024, 3, 12), new BirthNotified(born, "harrow-road"), recordedBy: "service:midwifery"),
        };
        return events;
    }
}
