using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using QpActors.Domain.Events;
using static QpActors.Domain.Tests.TestData;

namespace QpActors.Domain.Tests;

public sealed class EventCatalogueTests
{
    public static TheoryData<string, string?, string> Samples()
    {
        var data = new TheoryData<string, string?, string>();
        foreach (var (type, child, json) in ValidSamples)
        {
            data.Add(type, child, json);
        }

        return data;
    }

    [Fact]
    public void Every_catalogue_type_has_a_sample_and_a_description()
    {
        Assert.Equal(21, EventCatalogue.Types.Count);
        Assert.Equal(EventCatalogue.Types.Select(t => t.Name).Order(), ValidSamples.Select(s => s.Type).Order());
        Assert.All(EventCatalogue.Types, t => Assert.False(string.IsNullOrWhiteSpace(t.Description)));
        Assert.Single(EventCatalogue.Types, t => !t.FamilyIdRequired);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Each_type_parses_when_valid(string type, string? childId, string data)
    {
        var result = Parse(Wire(type, childId, data));

        Assert.Empty(result.Errors);
        var parsed = Assert.IsType<ContactEvent>(result.Event);
        Assert.Equal(type, parsed.Type);
        Assert.Equal(type, parsed.Data.Type);
        Assert.Equal(childId, parsed.ChildId);
        Assert.Equal(Recorder, parsed.RecordedBy);
        Assert.Equal(Now, parsed.ReceivedAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 15, 0, TimeSpan.Zero), parsed.OccurredAt);
    }

    [Fact]
    public void Birth_notified_carries_its_data()
    {
        var parsed = Parse(Wire(EventTypes.BirthNotified, "c-1", """{"dateOfBirth":"2026-11-18","wardCode":"queens-park"}""")).Event!;

        Assert.Equal(new BirthNotified(new DateOnly(2026, 11, 18), "queens-park"), parsed.Data);
        Assert.Equal("f-1", parsed.FamilyId);
    }

    [Fact]
    public void Survey_and_members_keep_every_entry()
    {
        var survey = (SurveyCompleted)Parse(Wire(EventTypes.SurveyCompleted, null, ValidSamples[9].Data)).Event!.Data;
        var family = (FamilyRegistered)Parse(Wire(EventTypes.FamilyRegistered, null, ValidSamples[0].Data)).Event!.Data;

        Assert.Equal(5, survey.Satisfaction["childrens-centre"]);
        Assert.Equal(4, survey.Satisfaction["health-visiting"]);
        Assert.Equal([new FamilyMember("m-1", MemberRole.Parent), new FamilyMember("m-2", MemberRole.Child)], family.Members!.Value);
    }

    [Theory]
    // the envelope
    [InlineData("""{"type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{}}""", "eventId")]
    [InlineData("""{"eventId":"e 1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{}}""", "eventId")]
    [InlineData("""{"eventId":"","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{}}""", "eventId")]
    [InlineData("""{"eventId":7,"type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{}}""", "eventId")]
    [InlineData("""{"eventId":"e-1","type":"tea-party","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"x":1}}""", "type")]
    [InlineData("""{"eventId":"e-1","type":"Birth-Notified","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{}}""", "type")]
    [InlineData("""{"eventId":"e-1","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{}}""", "type")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00","familyId":"f-1","childId":"c-1","data":{}}""", "occurredAt")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20","familyId":"f-1","childId":"c-1","data":{}}""", "occurredAt")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"yesterday","familyId":"f-1","childId":"c-1","data":{}}""", "occurredAt")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T12:05:01Z","familyId":"f-1","childId":"c-1","data":{}}""", "occurredAt")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T13:05:01+01:00","familyId":"f-1","childId":"c-1","data":{}}""", "occurredAt")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"1999-12-31T23:59:59Z","familyId":"f-1","childId":"c-1","data":{}}""", "occurredAt")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","childId":"c-1","data":{}}""", "familyId")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f/1","childId":"c-1","data":{}}""", "familyId")]
    [InlineData("""{"eventId":"e-1","type":"drop-in-hosted","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"session":"maternity-drop-in"}}""", "familyId")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{}}""", "childId")]
    [InlineData("""{"eventId":"e-1","type":"family-details-changed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"housing":"homeless"}}""", "childId")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{},"note":"x"}""", "note")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{},"recordedBy":"service:x"}""", "recordedBy")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{},"receivedAt":"2026-11-20T10:15:00Z"}""", "receivedAt")]
    [InlineData("""{"eventId":"e-1","eventId":"e-2","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{}}""", "eventId")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":[]}""", "data")]
    [InlineData("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"mood":"calm"}}""", "data.mood")]
    [InlineData("""[1,2]""", "$")]
    // family-registered / family-details-changed
    [InlineData("""{"eventId":"e-1","type":"family-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"housing":"social-rented"}}""", "data.wardCode")]
    [InlineData("""{"eventId":"e-1","type":"family-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"wardCode":"Queens Park","housing":"social-rented"}}""", "data.wardCode")]
    [InlineData("""{"eventId":"e-1","type":"family-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"wardCode":"queens-park","housing":"castle"}}""", "data.housing")]
    [InlineData("""{"eventId":"e-1","type":"family-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"wardCode":"queens-park"}}""", "data.housing")]
    [InlineData("""{"eventId":"e-1","type":"family-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"wardCode":"queens-park","housing":"other","youngParent":"yes"}}""", "data.youngParent")]
    [InlineData("""{"eventId":"e-1","type":"family-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"wardCode":"queens-park","housing":"other","gpRegistered":1}}""", "data.gpRegistered")]
    [InlineData("""{"eventId":"e-1","type":"family-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"wardCode":"queens-park","housing":"other","members":{}}}""", "data.members")]
    [InlineData("""{"eventId":"e-1","type":"family-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"wardCode":"queens-park","housing":"other","members":[{"memberId":"m-1","role":"uncle"}]}}""", "data.members[0].role")]
    [InlineData("""{"eventId":"e-1","type":"family-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"wardCode":"queens-park","housing":"other","members":[{"role":"parent"}]}}""", "data.members[0].memberId")]
    [InlineData("""{"eventId":"e-1","type":"family-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"wardCode":"queens-park","housing":"other","members":[{"memberId":"m-1","role":"parent","name":"Ann"}]}}""", "data.members[0].name")]
    [InlineData("""{"eventId":"e-1","type":"family-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"wardCode":"queens-park","housing":"other","members":[{"memberId":"m-1","role":"parent"},{"memberId":"m-1","role":"carer"}]}}""", "data.members[1].memberId")]
    [InlineData("""{"eventId":"e-1","type":"family-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"wardCode":"queens-park","housing":"other","members":["m-1"]}}""", "data.members[0]")]
    [InlineData("""{"eventId":"e-1","type":"family-details-changed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{}}""", "data")]
    [InlineData("""{"eventId":"e-1","type":"family-details-changed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1"}""", "data")]
    [InlineData("""{"eventId":"e-1","type":"family-details-changed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"housing":"castle"}}""", "data.housing")]
    // pregnancy-booked
    [InlineData("""{"eventId":"e-1","type":"pregnancy-booked","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"expectedDueDate":"01/03/2027","gestationWeeks":10}}""", "data.expectedDueDate")]
    [InlineData("""{"eventId":"e-1","type":"pregnancy-booked","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"gestationWeeks":10}}""", "data.expectedDueDate")]
    [InlineData("""{"eventId":"e-1","type":"pregnancy-booked","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"expectedDueDate":"2027-03-01","gestationWeeks":3}}""", "data.gestationWeeks")]
    [InlineData("""{"eventId":"e-1","type":"pregnancy-booked","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"expectedDueDate":"2027-03-01","gestationWeeks":43}}""", "data.gestationWeeks")]
    [InlineData("""{"eventId":"e-1","type":"pregnancy-booked","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"expectedDueDate":"2027-03-01","gestationWeeks":10.5}}""", "data.gestationWeeks")]
    [InlineData("""{"eventId":"e-1","type":"pregnancy-booked","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"expectedDueDate":"2027-03-01","gestationWeeks":"10"}}""", "data.gestationWeeks")]
    [InlineData("""{"eventId":"e-1","type":"pregnancy-booked","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"expectedDueDate":"1999-03-01","gestationWeeks":10}}""", "data.expectedDueDate")]
    // birth-notified
    [InlineData("""{"eventId":"e-1","type":"birth-notified","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"dateOfBirth":"2026-11-22","wardCode":"queens-park"}}""", "data.dateOfBirth")]
    [InlineData("""{"eventId":"e-1","type":"birth-notified","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"dateOfBirth":"2026-02-30","wardCode":"queens-park"}}""", "data.dateOfBirth")]
    [InlineData("""{"eventId":"e-1","type":"birth-notified","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"dateOfBirth":"2026-11-18"}}""", "data.wardCode")]
    [InlineData("""{"eventId":"e-1","type":"birth-notified","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"dateOfBirth":20261118,"wardCode":"queens-park"}}""", "data.dateOfBirth")]
    // review-completed
    [InlineData("""{"eventId":"e-1","type":"review-completed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"review":"3-year"}}""", "data.review")]
    [InlineData("""{"eventId":"e-1","type":"review-completed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"review":"1-year","asq3":{"communication":40,"grossMotor":50,"fineMotor":45,"problemSolving":35,"personalSocial":40}}}""", "data.asq3")]
    [InlineData("""{"eventId":"e-1","type":"review-completed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"review":"2-year","asq3":{"communication":61,"grossMotor":50,"fineMotor":45,"problemSolving":35,"personalSocial":40}}}""", "data.asq3.communication")]
    [InlineData("""{"eventId":"e-1","type":"review-completed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"review":"2-year","asq3":{"communication":40,"fineMotor":45,"problemSolving":35,"personalSocial":40}}}""", "data.asq3.grossMotor")]
    [InlineData("""{"eventId":"e-1","type":"review-completed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"review":"2-year","asq3":{"communication":40,"grossMotor":50,"fineMotor":45,"problemSolving":35,"personalSocial":-1}}}""", "data.asq3.personalSocial")]
    [InlineData("""{"eventId":"e-1","type":"review-completed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"review":"2-year","asq3":{"communication":40,"grossMotor":50,"fineMotor":45,"problemSolving":35,"personalSocial":40,"speech":3}}}""", "data.asq3.speech")]
    [InlineData("""{"eventId":"e-1","type":"review-completed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"review":"2-year","asq3":"good"}}""", "data.asq3")]
    // the rest
    [InlineData("""{"eventId":"e-1","type":"appointment-missed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{}}""", "data.service")]
    [InlineData("""{"eventId":"e-1","type":"centre-registered","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"centreId":"qp centre"}}""", "data.centreId")]
    [InlineData("""{"eventId":"e-1","type":"session-attended","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{}}""", "data.session")]
    [InlineData("""{"eventId":"e-1","type":"champion-outreach","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{}}""", "data.championId")]
    [InlineData("""{"eventId":"e-1","type":"champion-outreach","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"championId":"ch-1","signpostedTo":"Health Visiting"}}""", "data.signpostedTo")]
    [InlineData("""{"eventId":"e-1","type":"survey-completed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"championId":"ch-1","satisfaction":{}}}""", "data.satisfaction")]
    [InlineData("""{"eventId":"e-1","type":"survey-completed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"championId":"ch-1","satisfaction":{"health-visiting":6}}}""", "data.satisfaction.health-visiting")]
    [InlineData("""{"eventId":"e-1","type":"survey-completed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"championId":"ch-1","satisfaction":{"Health Visiting":3}}}""", "data.satisfaction.Health Visiting")]
    [InlineData("""{"eventId":"e-1","type":"survey-completed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"championId":"ch-1","satisfaction":[4]}}""", "data.satisfaction")]
    [InlineData("""{"eventId":"e-1","type":"survey-completed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"satisfaction":{"health-visiting":3}}}""", "data.championId")]
    [InlineData("""{"eventId":"e-1","type":"referral-made","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"from":"health-visiting","to":"midwifery"}}""", "data.referralId")]
    [InlineData("""{"eventId":"e-1","type":"referral-accepted","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"referralId":"r-1","to":"midwifery"}}""", "data.from")]
    [InlineData("""{"eventId":"e-1","type":"referral-declined","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"referralId":"r-1","from":"midwifery","to":5}}""", "data.to")]
    [InlineData("""{"eventId":"e-1","type":"immunisation-given","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{}}""", "data.vaccine")]
    [InlineData("""{"eventId":"e-1","type":"immunisation-missed","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{"vaccine":" "}}""", "data.vaccine")]
    [InlineData("""{"eventId":"e-1","type":"concern-raised","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"concern":"money"}}""", "data.concern")]
    [InlineData("""{"eventId":"e-1","type":"concern-resolved","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{}}""", "data.concern")]
    [InlineData("""{"eventId":"e-1","type":"service-level-set","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"level":"universal","reason":"ok"}}""", "data.reason")]
    [InlineData("""{"eventId":"e-1","type":"service-level-set","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","data":{"level":"community","reason":"agreed"}}""", "data.level")]
    [InlineData("""{"eventId":"e-1","type":"drop-in-hosted","occurredAt":"2026-11-20T10:15:00Z","data":{"session":"maternity-drop-in","attendance":-1}}""", "data.attendance")]
    [InlineData("""{"eventId":"e-1","type":"drop-in-hosted","occurredAt":"2026-11-20T10:15:00Z","data":{"attendance":3}}""", "data.session")]
    [InlineData("""{"eventId":"e-1","type":"drop-in-hosted","occurredAt":"2026-11-20T10:15:00Z","childId":"c-1","data":{"session":"maternity-drop-in"}}""", "childId")]
    public void Invalid_field_is_reported_at_its_path(string json, string field)
    {
        var result = Parse(json);

        Assert.Null(result.Event);
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal(field, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Field_names_are_case_sensitive()
    {
        var result = Parse(Wire(EventTypes.BirthNotified, "c-1", """{"DateOfBirth":"2026-11-18","wardCode":"queens-park"}"""));

        Assert.Equal(["data.DateOfBirth", "data.dateOfBirth"], result.Errors.Select(e => e.Field).Order());
    }

    [Fact]
    public void Ae_reason_over_500_characters_is_rejected()
    {
        var result = Parse(Wire(EventTypes.AeAttendance, "c-1", $$"""{"reason":"{{new string('a', 501)}}"}"""));

        Assert.Equal("data.reason", Assert.Single(result.Errors).Field);
    }

    [Fact]
    public void Every_error_is_reported_not_just_the_first()
    {
        const string json = """
            {"eventId":"bad id","type":"review-completed","occurredAt":"2030-01-01T00:00:00Z","familyId":"","extra":true,
             "data":{"review":"1-year","asq3":{"communication":99},"colour":"blue"}}
            """;

        var fields = Parse(json).Errors.Select(e => e.Field).Order().ToArray();

        Assert.Equal(
            new[]
            {
                "childId", "data.asq3", "data.asq3.communication", "data.asq3.fineMotor", "data.asq3.grossMotor",
                "data.asq3.personalSocial", "data.asq3.problemSolving", "data.colour", "eventId", "extra", "familyId", "occurredAt",
            }.Order(),
            fields);
    }

    [Fact]
    public void Unknown_and_repeated_fields_are_each_reported_once_with_their_reason()
    {
        const string json = """
            {"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1",
             "note":"x","note":"y","familyId":"f-2","data":{"mood":"calm","mood":"calm"}}
            """;

        var errors = Parse(json).Errors.Select(e => $"{e.Field}: {e.Message}").Order().ToArray();

        Assert.Equal(
            new[]
            {
                "data.mood: appears more than once",
                "data.mood: is not a field of ae-attendance",
                "familyId: appears more than once",
                "note: appears more than once",
                "note: is not a field of a contact event",
            }.Order(),
            errors);
    }

    [Fact]
    public void A_field_name_written_with_json_escapes_is_the_same_field()
    {
        const string json = """
            {"\u0065ventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1","data":{}}
            """;

        var result = Parse(json);

        Assert.Empty(result.Errors);
        Assert.Equal("e-1", result.Event!.EventId);
    }

    [Fact]
    public void Occurred_at_exactly_five_minutes_ahead_is_accepted_and_keeps_its_offset()
    {
        var result = Parse(Wire(EventTypes.AeAttendance, "c-1", "{}", occurredAt: "2026-11-20T13:05:00+01:00"));

        Assert.Empty(result.Errors);
        Assert.Equal(TimeSpan.FromHours(1), result.Event!.OccurredAt.Offset);
        Assert.Equal(Now.AddMinutes(5), result.Event.OccurredAt);
    }

    [Fact]
    public void Data_may_be_omitted_when_nothing_in_it_is_required()
    {
        var result = Parse("""{"eventId":"e-1","type":"ae-attendance","occurredAt":"2026-11-20T10:15:00Z","familyId":"f-1","childId":"c-1"}""");

        Assert.Equal(new AeAttendance(), result.Event!.Data);
    }

    [Fact]
    public void A_birth_dated_tomorrow_on_londons_clocks_is_in_the_future()
    {
        // Noon UTC on 20 November 2026 is noon GMT: the 21st has begun in some zones, but not in the programme's.
        var result = Parse(Wire(EventTypes.BirthNotified, "c-1", """{"dateOfBirth":"2026-11-21","wardCode":"queens-park"}"""));

        Assert.Equal(["data.dateOfBirth"], result.Errors.Select(e => e.Field));
    }

    [Theory]
    [InlineData("2025-05-31T23:10:00Z", "2025-06-01")] // 00:10 BST: 1 June in London while it is still 31 May in UTC
    [InlineData("2026-11-20T23:56:00Z", "2026-11-21")] // four minutes to midnight GMT: within the clock-skew allowance
    public void A_birth_dated_today_on_londons_clocks_is_accepted(string receivedAt, string dateOfBirth)
    {
        var result = Parse(
            Wire(EventTypes.BirthNotified, "c-1", $$"""{"dateOfBirth":"{{dateOfBirth}}","wardCode":"queens-park"}""", occurredAt: receivedAt),
            DateTimeOffset.Parse(receivedAt, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Another_programmes_dates_are_its_own_days()
    {
        // 03:00 UTC on 21 November 2026 is the 21st in London and still 22:00 on the 20th in New York.
        var receivedAt = new DateTimeOffset(2026, 11, 21, 3, 0, 0, TimeSpan.Zero);
        var newYork = ProgrammeCalendar.ForTimeZone("America/New_York");
        using var birth = JsonDocument.Parse(Wire(EventTypes.BirthNotified, "c-1", """{"dateOfBirth":"2026-11-21","wardCode":"queens-park"}""", occurredAt: "2026-11-21T03:00:00Z"));
        using var early = JsonDocument.Parse(Wire(EventTypes.AeAttendance, "c-1", "{}", occurredAt: "2000-01-01T02:00:00Z"));

        Assert.Empty(EventCatalogue.Parse(birth.RootElement, Recorder, receivedAt, ProgrammeCalendar.QueensPark).Errors);
        Assert.Equal(["data.dateOfBirth"], EventCatalogue.Parse(birth.RootElement, Recorder, receivedAt, newYork).Errors.Select(e => e.Field));

        // Nothing recorded happened before 1 January 2000, the programme's day: 02:00 UTC that day was 1999 in New York.
        Assert.Empty(EventCatalogue.Parse(early.RootElement, Recorder, receivedAt, ProgrammeCalendar.QueensPark).Errors);
        Assert.Equal(["occurredAt"], EventCatalogue.Parse(early.RootElement, Recorder, receivedAt, newYork).Errors.Select(e => e.Field));
    }

    [Fact]
    public void Recorder_comes_from_the_caller()
    {
        using var document = JsonDocument.Parse(Wire(EventTypes.AeAttendance, "c-1", "{}"));

        Assert.Throws<ArgumentException>(() => EventCatalogue.Parse(document.RootElement, " ", Now, ProgrammeCalendar.QueensPark));
        Assert.Equal("champion:ch-1", EventCatalogue.Parse(document.RootElement, "champion:ch-1", Now, ProgrammeCalendar.QueensPark).Event!.RecordedBy);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Storage_json_round_trips_exactly(string type, string? childId, string data)
    {
        var original = Parse(Wire(type, childId, data, occurredAt: "2026-11-20T10:15:00.1234567+01:00")).Event!;

        var stored = ContactEventJson.Serialize(original);
        var back = ContactEventJson.Deserialize(stored);

        Assert.Equal(original, back);
        Assert.Equal(original.OccurredAt.Offset, back.OccurredAt.Offset);
        Assert.Equal(stored, ContactEventJson.Serialize(back));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void A_stored_event_sent_again_in_another_shape_is_a_repeat_of_it_and_another_event_under_its_id_is_not(string type, string? childId, string data)
    {
        var stored = ContactEventJson.Deserialize(ContactEventJson.Serialize(Parse(Wire(type, childId, data, occurredAt: "2026-11-20T10:15:00.5+01:00")).Event!));

        // Its keys reversed and spaced, the same instant in another offset, received an hour later by another practitioner.
        using var wire = JsonDocument.Parse(Wire(type, childId, data, occurredAt: "2026-11-20T04:15:00.500-05:00"));
        var reversed = "{ " + string.Join(" ,\n ", wire.RootElement.EnumerateObject().Reverse().Select(p => $"\"{p.Name}\" : {p.Value.GetRawText()}")) + " }";
        var again = Parse(reversed, Now.AddHours(1)).Event! with { Practitioner = "hv-ben" };

        Assert.True(again.IsRepeatOf(stored));
        Assert.False((again with { FamilyId = "f-2" }).IsRepeatOf(stored));
        Assert.False((again with { ChildId = childId is null ? "c-2" : null }).IsRepeatOf(stored));
        Assert.False((again with { Type = EventTypes.AeAttendance, Data = new AeAttendance() }).IsRepeatOf(stored));
        Assert.False((again with { Data = new SessionAttended("other") }).IsRepeatOf(stored));

        // A level decision's time is stamped by the level endpoint on each attempt, so it is the same decision whenever.
        Assert.Equal(type == EventTypes.ServiceLevelSet, (again with { OccurredAt = again.OccurredAt.AddSeconds(1) }).IsRepeatOf(stored));
    }

    [Fact]
    public void An_optional_field_sent_as_null_or_left_out_is_the_same_event_and_one_with_a_value_is_not()
    {
        var stored = ContactEventJson.Deserialize(ContactEventJson.Serialize(Parse(Wire(EventTypes.AeAttendance, "c-1", "{}")).Event!));

        Assert.True(Parse(Wire(EventTypes.AeAttendance, "c-1", """{"reason":null}""")).Event!.IsRepeatOf(stored));
        Assert.False(Parse(Wire(EventTypes.AeAttendance, "c-1", """{"reason":"fall"}""")).Event!.IsRepeatOf(stored));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Storage_json_is_the_wire_object_plus_recorder_and_receipt(string type, string? childId, string data)
    {
        var original = Parse(Wire(type, childId, data)).Event!;
        var stored = JsonNode.Parse(ContactEventJson.Serialize(original))!.AsObject();

        Assert.Equal(Recorder, (string?)stored["recordedBy"]);
        Assert.NotNull(stored["receivedAt"]);
        stored.Remove("recordedBy");
        stored.Remove("receivedAt");
        Assert.Equal(original, Parse(stored.ToJsonString()).Event);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Plain_json_serializer_with_web_defaults_round_trips(string type, string? childId, string data)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var original = Parse(Wire(type, childId, data)).Event!;

        var back = JsonSerializer.Deserialize<ContactEvent>(JsonSerializer.Serialize(original, options), options);

        Assert.Equal(original, back);
    }

    [Fact]
    public void A_level_decision_names_the_practitioner_it_was_parsed_for_and_no_other_event_names_one()
    {
        using var decision = JsonDocument.Parse(Wire(EventTypes.ServiceLevelSet, null, """{"level":"universal-plus","reason":"Agreed at the team meeting"}"""));
        using var contact = JsonDocument.Parse(Wire(EventTypes.SessionAttended, null, """{"session":"sounds-like-fun"}"""));

        var decided = EventCatalogue.Parse(decision.RootElement, "service:early-intervention", Now, ProgrammeCalendar.QueensPark, practitioner: "ei-amira").Event!;
        var attended = EventCatalogue.Parse(contact.RootElement, Recorder, Now, ProgrammeCalendar.QueensPark, practitioner: "hv-ben").Event!;

        Assert.Equal(("service:early-intervention", "ei-amira"), (decided.RecordedBy, decided.Practitioner));
        Assert.Null(attended.Practitioner);
    }

    [Fact]
    public void A_posted_event_cannot_name_its_practitioner_in_the_envelope_or_in_its_data()
    {
        var inEnvelope = JsonNode.Parse(Wire(EventTypes.ServiceLevelSet, null, """{"level":"universal-plus","reason":"Agreed at the team meeting"}"""))!.AsObject();
        inEnvelope["practitioner"] = "ei-someone-else";
        var inData = Wire(EventTypes.ServiceLevelSet, null, """{"level":"universal-plus","reason":"Agreed at the team meeting","practitioner":"ei-someone-else"}""");
        using var envelope = JsonDocument.Parse(inEnvelope.ToJsonString());
        using var data = JsonDocument.Parse(inData);

        var refused = EventCatalogue.Parse(envelope.RootElement, "service:early-intervention", Now, ProgrammeCalendar.QueensPark, practitioner: "ei-amira");
        var refusedInData = EventCatalogue.Parse(data.RootElement, "service:early-intervention", Now, ProgrammeCalendar.QueensPark, practitioner: "ei-amira");

        Assert.Null(refused.Event);
        var error = Assert.Single(refused.Errors);
        Assert.Equal("practitioner", error.Field);
        Assert.Contains("set by the server", error.Message, StringComparison.Ordinal);
        Assert.Null(refusedInData.Event);
        Assert.Equal(["data.practitioner"], refusedInData.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Storage_json_keeps_a_decisions_practitioner_and_reads_a_decision_stored_before_decisions_named_one()
    {
        using var wire = JsonDocument.Parse(Wire(EventTypes.ServiceLevelSet, null, """{"level":"universal-plus","reason":"Agreed at the team meeting"}"""));
        var decided = EventCatalogue.Parse(wire.RootElement, "service:early-intervention", Now, ProgrammeCalendar.QueensPark, practitioner: "ei-amira").Event!;

        // A row written before decisions named their practitioner, as the journal holds it.
        var older = ContactEventJson.Deserialize("""
            {"eventId":"e-0","type":"service-level-set","occurredAt":"2026-11-19T09:00:00+00:00","familyId":"f-1","data":{"level":"universal","reason":"Stepped down after review"},"recordedBy":"service:early-intervention","receivedAt":"2026-11-19T09:00:01+00:00"}
            """u8.ToArray());

        Assert.Equal(decided, ContactEventJson.Deserialize(ContactEventJson.Serialize(decided)));
        Assert.Equal("ei-amira", (string?)JsonNode.Parse(ContactEventJson.Serialize(decided))!["practitioner"]);
        Assert.Equal(("service:early-intervention", (string?)null), (older.RecordedBy, older.Practitioner));
        Assert.Equal(new ServiceLevelSet(ServiceLevel.Universal, "Stepped down after review"), older.Data);
    }

    [Fact]
    public void A_level_decision_keeps_its_practitioners_name_in_storage_and_one_stored_without_a_name_reads_as_none()
    {
        using var decision = JsonDocument.Parse(Wire(EventTypes.ServiceLevelSet, null, """{"level":"universal-plus","reason":"Agreed at the team meeting"}"""));
        using var contact = JsonDocument.Parse(Wire(EventTypes.SessionAttended, null, """{"session":"sounds-like-fun"}"""));

        var decided = EventCatalogue.Parse(decision.RootElement, "service:early-intervention", Now, ProgrammeCalendar.QueensPark, practitioner: "ei-amira", practitionerNames: [" Amira Haddad "]).Event!;
        var attended = EventCatalogue.Parse(contact.RootElement, Recorder, Now, ProgrammeCalendar.QueensPark, practitioner: "hv-ben", practitionerNames: ["Ben Okafor"]).Event!;
        var stored = ContactEventJson.Serialize(decided);
        var older = ContactEventJson.Deserialize("""
            {"eventId":"e-8","type":"service-level-set","occurredAt":"2026-11-19T09:00:00+00:00","familyId":"f-1","data":{"level":"universal-plus","reason":"Agreed"},"recordedBy":"service:early-intervention","practitioner":"ei-amira","receivedAt":"2026-11-19T09:00:01+00:00"}
            """u8.ToArray());

        Assert.Equal(("ei-amira", "Amira Haddad"), (decided.Practitioner, decided.PractitionerName));
        Assert.Equal("Amira Haddad", (string?)JsonNode.Parse(stored)!["practitionerName"]);
        Assert.Equal(decided, ContactEventJson.Deserialize(stored));
        Assert.Equal((null, null), (attended.Practitioner, attended.PractitionerName));
        Assert.Equal(("ei-amira", (string?)null), (older.Practitioner, older.PractitionerName));
    }

    [Fact]
    public void A_posted_event_cannot_carry_a_practitioner_name_and_a_decision_refuses_a_name_that_is_not_printable_text_or_too_long()
    {
        var inEnvelope = JsonNode.Parse(Wire(EventTypes.ServiceLevelSet, null, """{"level":"universal-plus","reason":"Agreed at the team meeting"}"""))!.AsObject();
        inEnvelope["practitionerName"] = "Someone Else";
        using var envelope = JsonDocument.Parse(inEnvelope.ToJsonString());
        using var decision = JsonDocument.Parse(Wire(EventTypes.ServiceLevelSet, null, """{"level":"nonsense","reason":"Agreed at the team meeting"}"""));

        Assert.Equal(["practitionerName"], EventCatalogue.Parse(envelope.RootElement, "service:early-intervention", Now, ProgrammeCalendar.QueensPark, practitioner: "ei-amira").Errors.Select(e => e.Field));

        // Every problem at once: the body's and the token's.
        var both = EventCatalogue.Parse(decision.RootElement, "service:early-intervention", Now, ProgrammeCalendar.QueensPark, practitioner: "ei-amira", practitionerNames: ["Amira\r\nHaddad"]);
        Assert.Null(both.Event);
        Assert.Equal(["data.level", PractitionerNames.Field], both.Errors.Select(e => e.Field));
    }

    [Theory]
    [InlineData("Amira\nHaddad")]
    [InlineData("Amira \u202EdaddaH")]
    [InlineData("several")]
    public void A_decision_otherwise_good_from_a_token_whose_name_cannot_be_kept_is_built_without_the_name_and_carries_why_never_storing_it(string claim)
    {
        using var decision = JsonDocument.Parse(Wire(EventTypes.ServiceLevelSet, null, """{"level":"universal-plus","reason":"Agreed at the team meeting"}"""));
        string[] names = claim == "several" ? ["Amira Haddad", "A. Haddad"] : [claim];

        var parsed = EventCatalogue.Parse(decision.RootElement, "service:early-intervention", Now, ProgrammeCalendar.QueensPark, practitioner: "ei-amira", practitionerNames: names);

        // Whether it is refused is for the family that holds (or not) its id to say: a retry of a recorded decision is not.
        Assert.Empty(parsed.Errors);
        Assert.Equal(("ei-amira", (string?)null), (parsed.Event!.Practitioner, parsed.Event.PractitionerName));
        Assert.Equal(PractitionerNames.Check(names).Problem, parsed.Event.PractitionerNameProblem);
        Assert.NotNull(parsed.Event.PractitionerNameProblem);
        Assert.DoesNotContain("Haddad", System.Text.Encoding.UTF8.GetString(ContactEventJson.Serialize(parsed.Event)), StringComparison.Ordinal);
        Assert.Null(ContactEventJson.Deserialize(ContactEventJson.Serialize(parsed.Event)).PractitionerNameProblem);
    }

    [Fact]
    public void A_token_with_several_names_gives_no_name_to_keep_and_one_in_a_list_is_that_name()
    {
        Assert.Equal(("Amira Haddad", (string?)null), PractitionerNames.Check([" Amira Haddad "]));
        Assert.Equal(((string?)null, (string?)null), PractitionerNames.Check(Array.Empty<string>()));
        var (name, problem) = PractitionerNames.Check(["Amira Haddad", "Amira Haddad"]);
        Assert.Null(name);
        Assert.Contains("2 names", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Amira\nHaddad", "U+000A")]
    [InlineData("Amira\u0000", "U+0000")]
    [InlineData("Amira\u0085Haddad", "U+0085")]
    [InlineData("Amira \u202EdaddaH", "U+202E")]
    [InlineData("\u2067Amira", "U+2067")]
    [InlineData("Amira\u2029Haddad", "U+2029")]
    public void A_name_holding_what_is_not_printable_text_is_refused_naming_the_character(string claim, string character)
    {
        var (name, problem) = PractitionerNames.Check(claim);

        Assert.Null(name);
        Assert.Contains(character, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_holding_a_lone_surrogate_is_refused_and_a_pair_is_kept()
    {
        // Built here: a test case's data cannot carry a lone surrogate (it is replaced on the way to the test).
        Assert.Contains("U+D800", PractitionerNames.Check("Amira " + '\uD800' + "Haddad").Problem, StringComparison.Ordinal);
        Assert.Contains("U+DC00", PractitionerNames.Check("Amira Haddad" + '\uDC00').Problem, StringComparison.Ordinal);
        Assert.Equal("Ana " + char.ConvertFromUtf32(0x1F331), PractitionerNames.Check("Ana " + char.ConvertFromUtf32(0x1F331)).Name);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData(" \t ", null)]
    [InlineData("  Amira Haddad\t", "Amira Haddad")]
    [InlineData("Zoë Ó Súilleabháin", "Zoë Ó Súilleabháin")]
    [InlineData("\u0645\u0647\u200C\u0633\u0627", "\u0645\u0647\u200C\u0633\u0627")]
    [InlineData("\u0915\u094D\u200D\u0937", "\u0915\u094D\u200D\u0937")]
    public void A_name_is_trimmed_and_a_blank_one_is_none(string? claim, string? kept) =>
        Assert.Equal((kept, (string?)null), PractitionerNames.Check(claim));

    [Fact]
    public void A_name_longer_than_the_limit_is_refused_and_one_at_the_limit_is_kept()
    {
        var atLimit = new string('a', PractitionerNames.MaximumLength);

        Assert.Equal((atLimit, (string?)null), PractitionerNames.Check(" " + atLimit + " "));
        Assert.Null(PractitionerNames.Check(atLimit + "a").Name);
        Assert.Contains("at most 200", PractitionerNames.Check(atLimit + "a").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Storage_json_written_by_a_later_version_reads_without_the_fields_this_one_does_not_know()
    {
        // As a later version might store a decision: a field of its own in the envelope and one in the data.
        var later = ContactEventJson.Deserialize("""
            {"eventId":"e-9","type":"service-level-set","occurredAt":"2026-11-19T09:00:00+00:00","familyId":"f-1","data":{"level":"universal-plus","reason":"Agreed at the team meeting","reviewBy":"2027-02-19"},"recordedBy":"service:early-intervention","practitioner":"ei-amira","receivedAt":"2026-11-19T09:00:01+00:00","deviceId":"phone-7"}
            """u8.ToArray());

        Assert.Equal(("e-9", "service:early-intervention", "ei-amira"), (later.EventId, later.RecordedBy, later.Practitioner));
        Assert.Equal(new ServiceLevelSet(ServiceLevel.UniversalPlus, "Agreed at the team meeting"), later.Data);
    }

    [Fact]
    public void A_posted_event_with_a_field_the_catalogue_does_not_know_is_still_refused()
    {
        using var envelope = JsonDocument.Parse(Wire(EventTypes.AeAttendance, "c-1", "{}").Replace("\"type\"", "\"deviceId\":\"phone-7\",\"type\"", StringComparison.Ordinal));
        using var data = JsonDocument.Parse(Wire(EventTypes.ServiceLevelSet, null, """{"level":"universal-plus","reason":"Agreed","reviewBy":"2027-02-19"}"""));

        Assert.Equal(["deviceId"], EventCatalogue.Parse(envelope.RootElement, "service:hv", Now, ProgrammeCalendar.QueensPark).Errors.Select(e => e.Field));
        Assert.Equal(["data.reviewBy"], EventCatalogue.Parse(data.RootElement, "service:hv", Now, ProgrammeCalendar.QueensPark).Errors.Select(e => e.Field));
    }

    [Fact]
    public void Corrupt_storage_json_throws()
    {
        Assert.Throws<FormatException>(() => ContactEventJson.Deserialize("""{"eventId":"e-1","type":"ae-attendance"}"""u8.ToArray()));
        Assert.Throws<FormatException>(() => ContactEventJson.Deserialize(
            Encoding.UTF8.GetBytes(Wire(EventTypes.AeAttendance, "c-1", "{}"))));
    }

    [Fact]
    public void Storage_json_accepts_events_older_than_the_clock_checks_would_allow()
    {
        var old = Event("e-1", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new AeAttendance()) with
        {
            ReceivedAt = new DateTimeOffset(2025, 12, 31, 0, 0, 0, TimeSpan.Zero),
        };

        Assert.Equal(old, ContactEventJson.Deserialize(ContactEventJson.Serialize(old)));
    }

    [Fact]
    public void Events_parsed_apart_share_one_instance_of_each_code_their_type_and_their_recorder()
    {
        // Built at run time, so equal text in two distinct instances, as two requests' bodies give.
        var recorder = string.Concat("service:", "health-visiting");
        var other = string.Concat("service:", "health-visiting");
        using var first = JsonDocument.Parse(Wire(EventTypes.AppointmentMissed, "c-1", """{"service":"health-visiting"}""", eventId: "e-1"));
        using var second = JsonDocument.Parse(Wire(EventTypes.AppointmentMissed, "c-2", """{"service":"health-visiting"}""", eventId: "e-2"));

        var a = EventCatalogue.Parse(first.RootElement, recorder, Now, ProgrammeCalendar.QueensPark).Event!;
        var b = EventCatalogue.Parse(second.RootElement, other, Now, ProgrammeCalendar.QueensPark).Event!;

        Assert.Equal("health-visiting", ((AppointmentMissed)a.Data).Service);
        Assert.Same(((AppointmentMissed)a.Data).Service, ((AppointmentMissed)b.Data).Service);
        Assert.Same(a.Type, b.Type);
        Assert.Same(EventCatalogue.Types.Single(t => t.Name == EventTypes.AppointmentMissed).Name, a.Type);
        Assert.Equal(recorder, a.RecordedBy);
        Assert.Same(a.RecordedBy, b.RecordedBy);

        // Client ids are not codes: each event keeps its own.
        Assert.NotSame(a.ChildId, b.ChildId);
    }
}
