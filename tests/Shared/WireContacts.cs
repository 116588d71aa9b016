using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using QpActors.Domain;
using QpActors.Domain.Events;

namespace QpActors.Tests.Shared;

/// <summary>
/// Builds contact events through the real wire parser, so grain tests exercise exactly what the gateway
/// accepts. Compiled into each grain test project (a linked file) rather than copied.
/// </summary>
public class WireContacts(TimeProvider clock, string prefix)
{
    private int _next;

    public string NewId(string kind) => $"{prefix}-{kind}-{Interlocked.Increment(ref _next)}";

    public ContactEvent Make(string type, string familyId, string? childId, DateTimeOffset occurredAt, JsonObject data, string recordedBy = "service:health-visiting", string? eventId = null)
    {
        var wire = new JsonObject
        {
            ["eventId"] = eventId ?? NewId("e"),
            ["type"] = type,
            ["occurredAt"] = occurredAt.ToString("O", CultureInfo.InvariantCulture),
            ["familyId"] = familyId,
            ["data"] = data,
        };
        if (childId is not null)
        {
            wire["childId"] = childId;
        }

        using var document = JsonDocument.Parse(wire.ToJsonString());
        var parsed = EventCatalogue.Parse(document.RootElement, recordedBy, clock.GetUtcNow(), ProgrammeCalendar.QueensPark);
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors.Select(e => $"{e.Field}: {e.Message}")));
        return parsed.Event!;
    }

    public ContactEvent Birth(string familyId, string childId, DateOnly dateOfBirth, string ward = "queens-park", DateTimeOffset? occurredAt = null, string? eventId = null) =>
        Make(EventTypes.BirthNotified, familyId, childId, occurredAt ?? At(dateOfBirth).AddHours(12),
            new JsonObject { ["dateOfBirth"] = Day(dateOfBirth), ["wardCode"] = ward }, "service:midwifery", eventId);

    public ContactEvent Review(string familyId, string childId, string review, DateTimeOffset at, string? eventId = null) =>
        Make(EventTypes.ReviewCompleted, familyId, childId, at, new JsonObject { ["review"] = review }, eventId: eventId);

    public ContactEvent Missed(string familyId, string childId, DateTimeOffset at, string? eventId = null) =>
        Make(EventTypes.AppointmentMissed, familyId, childId, at, new JsonObject { ["service"] = "health-visiting" }, eventId: eventId);

    public ContactEvent AandE(string familyId, string childId, DateTimeOffset at, string? eventId = null) =>
        Make(EventTypes.AeAttendance, familyId, childId, at, [], "service:health-visiting", eventId);

    public ContactEvent Registered(string familyId, string childId, DateTimeOffset at, string? eventId = null) =>
        Make(EventTypes.CentreRegistered, familyId, childId, at, [], "service:childrens-centre", eventId);

    public ContactEvent FamilyRegistered(string familyId, DateTimeOffset at, string housing = "social-rented", string ward = "queens-park") =>
        Make(EventTypes.FamilyRegistered, familyId, null, at, new JsonObject { ["wardCode"] = ward, ["housing"] = housing }, "service:childrens-centre");

    public ContactEvent Concern(string familyId, string concern, DateTimeOffset at, bool resolved = false) =>
        Make(resolved ? EventTypes.ConcernResolved : EventTypes.ConcernRaised, familyId, null, at, new JsonObject { ["concern"] = concern });

    public ContactEvent Outreach(string familyId, string championId, string? signpostedTo, DateTimeOffset at)
    {
        var data = new JsonObject { ["championId"] = championId };
        if (signpostedTo is not null)
        {
            data["signpostedTo"] = signpostedTo;
        }

        return Make(EventTypes.ChampionOutreach, familyId, null, at, data, "champion:" + championId);
    }

    public static DateTimeOffset At(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
