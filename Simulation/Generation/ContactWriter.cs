using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace QpActors.Simulation.Generation;

/// <summary>Turns a planned contact into wire-format JSON (docs/design.md); the only reader of a plan's A, B and C.</summary>
internal sealed class ContactWriter
{
    // 24-month ASQ-3 cut-offs, rounded up to the questionnaire's steps of five.
    private static readonly (string Domain, int Cutoff)[] Asq3Domains =
        [("communication", 30), ("grossMotor", 40), ("fineMotor", 40), ("problemSolving", 30), ("personalSocial", 35)];

    private static readonly string[] SatisfactionServices =
        [WireVocabulary.HealthVisiting, WireVocabulary.ChildrensCentre, WireVocabulary.Midwifery, WireVocabulary.SoundsLikeFun, WireVocabulary.MaternityDropIn];

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _json;

    public ContactWriter() => _json = new Utf8JsonWriter(_buffer);

    public static string TypeOf(ContactKind kind) => kind switch
    {
        ContactKind.FamilyRegistered => "family-registered",
        ContactKind.FamilyDetailsChanged => "family-details-changed",
        ContactKind.PregnancyBooked => "pregnancy-booked",
        ContactKind.BirthNotified => "birth-notified",
        ContactKind.ReviewCompleted => "review-completed",
        ContactKind.AppointmentMissed => "appointment-missed",
        ContactKind.CentreRegistered => "centre-registered",
        ContactKind.SessionAttended => "session-attended",
        ContactKind.ChampionOutreach => "champion-outreach",
        ContactKind.SurveyCompleted => "survey-completed",
        ContactKind.ReferralMade => "referral-made",
        ContactKind.ReferralAccepted => "referral-accepted",
        ContactKind.ReferralDeclined => "referral-declined",
        ContactKind.AeAttendance => "ae-attendance",
        ContactKind.ImmunisationGiven => "immunisation-given",
        ContactKind.ImmunisationMissed => "immunisation-missed",
        ContactKind.ConcernRaised => "concern-raised",
        ContactKind.ConcernResolved => "concern-resolved",
        ContactKind.ServiceLevelSet => "service-level-set",
        ContactKind.DropInHosted => "drop-in-hosted",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string RecorderOf(in PlannedContact contact, WardProfile ward) => contact.Kind switch
    {
        ContactKind.FamilyRegistered => Service(contact.A),
        ContactKind.FamilyDetailsChanged => Service(contact.B),
        ContactKind.PregnancyBooked or ContactKind.BirthNotified => WireVocabulary.ServiceRecorder(WireVocabulary.Midwifery),
        ContactKind.ReviewCompleted or ContactKind.AppointmentMissed or ContactKind.AeAttendance
            or ContactKind.ImmunisationGiven or ContactKind.ImmunisationMissed or ContactKind.ServiceLevelSet
            => WireVocabulary.ServiceRecorder(WireVocabulary.HealthVisiting),
        ContactKind.CentreRegistered => WireVocabulary.ServiceRecorder(WireVocabulary.ChildrensCentre),
        ContactKind.SessionAttended or ContactKind.DropInHosted => contact.A == 1
            ? WireVocabulary.ChampionRecorder(ward.MaternityChampionId(contact.B))
            : WireVocabulary.ServiceRecorder(WireVocabulary.SoundsLikeFun),
        ContactKind.ChampionOutreach => WireVocabulary.ChampionRecorder(ChampionId(contact, ward)),
        ContactKind.SurveyCompleted => WireVocabulary.ChampionRecorder(ward.CommunityChampionId(contact.A)),
        ContactKind.ReferralMade => Service(ChildPlanner.ReferralRoutes[contact.A].From),
        ContactKind.ReferralAccepted or ContactKind.ReferralDeclined => Service(ChildPlanner.ReferralRoutes[contact.A].To),
        ContactKind.ConcernRaised or ContactKind.ConcernResolved => Service(ChildPlanner.ConcernRecorders[contact.A]),
        _ => throw new ArgumentOutOfRangeException(nameof(contact), contact.Kind, null),
    };

    public string Write(in PlannedContact contact, WardTimeline ward, int child, string eventId)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        var json = _json;
        json.WriteStartObject();
        json.WriteString("eventId", eventId);
        json.WriteString("type", TypeOf(contact.Kind));
        // Utf8JsonWriter writes a whole-second UTC time as yyyy-MM-ddTHH:mm:ssZ.
        json.WriteString("occurredAt", new DateTime(contact.Ticks, DateTimeKind.Utc));
        if (contact.Kind != ContactKind.DropInHosted)
        {
            json.WriteString("familyId", ward.FamilyId(ward.FamilyRoot(child)));
        }

        if (HasChild(contact))
        {
            json.WriteString("childId", ward.ChildId(child));
        }

        json.WriteStartObject("data");
        WriteData(contact, ward, child);
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    private static string Service(short index) => WireVocabulary.ServiceRecorder(WireVocabulary.Services[index]);

    private static string ChampionId(in PlannedContact contact, WardProfile ward) =>
        contact.C == 1 ? ward.MaternityChampionId(contact.A) : ward.CommunityChampionId(contact.A);

    private static bool HasChild(in PlannedContact contact) => contact.Kind switch
    {
        ContactKind.PregnancyBooked or ContactKind.BirthNotified or ContactKind.ReviewCompleted or ContactKind.AppointmentMissed
            or ContactKind.CentreRegistered or ContactKind.AeAttendance or ContactKind.ImmunisationGiven
            or ContactKind.ImmunisationMissed or ContactKind.ReferralMade or ContactKind.ReferralAccepted
            or ContactKind.ReferralDeclined => true,

        // A playgroup session is the child's; a maternity drop-in is the parent's.
        ContactKind.SessionAttended => contact.A == 0,

        // Only safeguarding is about the child itself rather than the household.
        ContactKind.ConcernRaised or ContactKind.ConcernResolved => contact.A == 4,
        _ => false,
    };

    private void WriteData(in PlannedContact contact, WardTimeline ward, int child)
    {
        var json = _json;
        switch (contact.Kind)
        {
            case ContactKind.FamilyRegistered:
                {
                    var traits = ward.Traits(ward.FamilyRoot(child));
                    json.WriteString("wardCode", ward.Profile.Code);
                    json.WriteString("housing", WireVocabulary.Housing[traits.Housing]);
                    json.WriteBoolean("youngParent", traits.YoungParent);
                    json.WriteBoolean("gpRegistered", traits.GpRegistered);
                    break;
                }

            case ContactKind.FamilyDetailsChanged:
                json.WriteString("housing", WireVocabulary.Housing[contact.A]);
                break;
            case ContactKind.PregnancyBooked:
                json.WriteString("expectedDueDate", DateOnly.FromDayNumber(contact.C).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                json.WriteNumber("gestationWeeks", contact.A);
                break;
            case ContactKind.BirthNotified:
                json.WriteString("dateOfBirth", ward.BirthDay(child).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                json.WriteString("wardCode", ward.Profile.Code);
                break;
            case ContactKind.ReviewCompleted:
                json.WriteString("review", WireVocabulary.Reviews[contact.A]);
                if ((contact.C & 1) == 1)
                {
                    WriteAsq3(contact.C);
                }

                break;
            case ContactKind.AppointmentMissed:
                json.WriteString("service", WireVocabulary.Services[contact.A]);
                break;
            case ContactKind.CentreRegistered:
                json.WriteString("centreId", ward.Profile.CentreId);
                break;
            case ContactKind.SessionAttended:
                json.WriteString("session", contact.A == 1 ? WireVocabulary.MaternityDropIn : WireVocabulary.SoundsLikeFun);
                break;
            case ContactKind.ChampionOutreach:
                json.WriteString("championId", ChampionId(contact, ward.Profile));
                if (contact.B >= 0)
                {
                    json.WriteString("signpostedTo", WireVocabulary.Services[contact.B]);
                }

                break;
            case ContactKind.SurveyCompleted:
                WriteSurvey(contact, ward.Profile);
                break;
            case ContactKind.ReferralMade or ContactKind.ReferralAccepted or ContactKind.ReferralDeclined:
                {
                    var route = ChildPlanner.ReferralRoutes[contact.A];
                    json.WriteString("referralId", ward.ReferralId(child));
                    json.WriteString("from", WireVocabulary.Services[route.From]);
                    json.WriteString("to", WireVocabulary.Services[route.To]);
                    break;
                }

            case ContactKind.AeAttendance:
                json.WriteString("reason", ChildPlanner.AeReasons[contact.A]);
                break;
            case ContactKind.ImmunisationGiven or ContactKind.ImmunisationMissed:
                json.WriteString("vaccine", ChildPlanner.Immunisations[contact.A].Vaccine);
                break;
            case ContactKind.ConcernRaised or ContactKind.ConcernResolved:
                json.WriteString("concern", WireVocabulary.Concerns[contact.A]);
                break;
            case ContactKind.ServiceLevelSet:
                json.WriteString("level", WireVocabulary.ServiceLevels[contact.A]);
                json.WriteString("reason", contact.A == 0
                    ? $"Synthetic: {WireVocabulary.Concerns[contact.B]} concern resolved, back to universal."
                    : $"Synthetic: {WireVocabulary.Concerns[contact.B]} concern raised, more support agreed with the family.");
                break;
            case ContactKind.DropInHosted:
                json.WriteString("session", contact.A == 1 ? WireVocabulary.MaternityDropIn : WireVocabulary.SoundsLikeFun);
                if (contact.A == 1)
                {
                    json.WriteString("championId", ward.Profile.MaternityChampionId(contact.B));
                }

                json.WriteNumber("attendance", contact.C);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(contact), contact.Kind, null);
        }
    }

    private void WriteAsq3(int detail)
    {
        var rng = new DeterministicRandom((ulong)detail);
        var belowCutoff = (detail & 2) == 2;
        var weakDomain = rng.Next(0, Asq3Domains.Length);
        _json.WriteStartObject("asq3");
        for (var d = 0; d < Asq3Domains.Length; d++)
        {
            var (domain, cutoff) = Asq3Domains[d];
            var score = belowCutoff && d == weakDomain
                ? 5 * rng.Next(1, cutoff / 5)
                : 5 * rng.Next((cutoff / 5) + 1, 13);
            _json.WriteNumber(domain, score);
        }

        _json.WriteEndObject();
    }

    private void WriteSurvey(in PlannedContact contact, WardProfile ward)
    {
        var rng = new DeterministicRandom((ulong)contact.C);
        _json.WriteString("championId", ward.CommunityChampionId(contact.A));
        _json.WriteStartObject("satisfaction");
        var first = rng.Next(0, SatisfactionServices.Length);
        var answered = 1 + rng.Next(0, 3);
        for (var k = 0; k < answered; k++)
        {
            // Mostly satisfied, with a tail of poor ratings (assumption).
            var score = rng.NextDouble() switch
            {
                < 0.03 => 1,
                < 0.10 => 2,
                < 0.25 => 3,
                < 0.65 => 4,
                _ => 5,
            };
            _json.WriteNumber(SatisfactionServices[(first + k) % SatisfactionServices.Length], score);
        }

        _json.WriteEndObject();
    }
}
