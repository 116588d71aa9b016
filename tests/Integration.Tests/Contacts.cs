using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using QpActors.Domain;
using QpActors.Domain.Events;
using QpActors.Tests.Shared;

namespace QpActors.Integration.Tests;

/// <summary>Contact events for the grain tests, built through the real wire parser.</summary>
public sealed class Contacts(TimeProvider clock, string prefix) : WireContacts(clock, prefix)
{
    private readonly TimeProvider _clock = clock;

    /// <summary>A drop-in session a service hosted: no family, so the service's own grain records it.</summary>
    public ContactEvent DropIn(string serviceId, DateTimeOffset at)
    {
        var wire = new JsonObject
        {
            ["eventId"] = NewId("e"),
            ["type"] = EventTypes.DropInHosted,
            ["occurredAt"] = at.ToString("O", CultureInfo.InvariantCulture),
            ["data"] = new JsonObject { ["session"] = "stay-and-play", ["attendance"] = 8 },
        };
        using var document = JsonDocument.Parse(wire.ToJsonString());
        var parsed = EventCatalogue.Parse(document.RootElement, "service:" + serviceId, _clock.GetUtcNow(), ProgrammeCalendar.QueensPark);
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors.Select(e => $"{e.Field}: {e.Message}")));
        return parsed.Event!;
    }
}
