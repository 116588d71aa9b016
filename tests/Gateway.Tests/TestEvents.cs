using System.Globalization;
using System.Text.Json.Nodes;

namespace QpActors.Gateway.Tests;

/// <summary>Contact events in the wire format, dated relative to now so the clock-skew check passes.</summary>
public static class TestEvents
{
    public static JsonObject FamilyRegistered(string familyId, string ward, string housing = "social-rented", bool youngParent = false, string? eventId = null) => Event(
        eventId, "family-registered", familyId, null,
        new JsonObject { ["wardCode"] = ward, ["housing"] = housing, ["youngParent"] = youngParent, ["gpRegistered"] = !youngParent });

    public static JsonObject BirthNotified(string familyId, string childId, string ward, int daysAgo = 10, string? eventId = null) => Event(
        eventId, "birth-notified", familyId, childId,
        new JsonObject { ["dateOfBirth"] = DateTime.UtcNow.AddDays(-daysAgo).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["wardCode"] = ward });

    public static JsonObject ConcernRaised(string familyId, string concern, string? eventId = null) => Event(
        eventId, "concern-raised", familyId, null, new JsonObject { ["concern"] = concern });

    public static JsonObject Event(string? eventId, string type, string? familyId, string? childId, JsonObject data, DateTimeOffset? occurredAt = null)
    {
        var wire = new JsonObject
        {
            ["eventId"] = eventId ?? Ids.Event(),
            ["type"] = type,
            ["occurredAt"] = (occurredAt ?? DateTimeOffset.UtcNow.AddMinutes(-1)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        if (familyId is not null)
        {
            wire["familyId"] = familyId;
        }

        if (childId is not null)
        {
            wire["childId"] = childId;
        }

        wire["data"] = data;
        return wire;
    }
}
