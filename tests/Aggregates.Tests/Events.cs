using System.Text.Json.Nodes;
using QpActors.Domain;
using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;
using QpActors.Tests.Shared;

namespace QpActors.Aggregates.Tests;

/// <summary>Contact events for the aggregate tests, and recording them where the gateway would.</summary>
public sealed class Events(TimeProvider clock, string prefix) : WireContacts(clock, prefix)
{
    private readonly TimeProvider _clock = clock;

    private static readonly string[] AllWards = ["queens-park", "harrow-road", "westbourne", "church-street"];

    public ContactEvent Referral(string familyId, string childId, string referralId, DateTimeOffset at, bool accepted) =>
        Make(accepted ? EventTypes.ReferralAccepted : EventTypes.ReferralMade, familyId, childId, at,
            new JsonObject { ["referralId"] = referralId, ["from"] = "health-visiting", ["to"] = "childrens-centre" });

    public ContactEvent Level(string familyId, string level, DateTimeOffset at) =>
        Make(EventTypes.ServiceLevelSet, familyId, null, at, new JsonObject { ["level"] = level, ["reason"] = "agreed at the team meeting" });

    public ContactEvent Survey(string familyId, string championId, string service, int score, DateTimeOffset at) =>
        Make(EventTypes.SurveyCompleted, familyId, null, at,
            new JsonObject { ["championId"] = championId, ["satisfaction"] = new JsonObject { [service] = score } }, "champion:" + championId);

    /// <summary>A drop-in a champion hosted: no family, so it is recorded by the champion's grain.</summary>
    public ContactEvent DropIn(string championId, DateTimeOffset at, int attendance = 6, string? eventId = null)
    {
        var wire = new JsonObject
        {
            ["eventId"] = eventId ?? NewId("drop-in"),
            ["type"] = EventTypes.DropInHosted,
            ["occurredAt"] = at.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["data"] = new JsonObject { ["session"] = "maternity-drop-in", ["championId"] = championId, ["attendance"] = attendance },
        };
        using var document = System.Text.Json.JsonDocument.Parse(wire.ToJsonString());
        var parsed = EventCatalogue.Parse(document.RootElement, "champion:" + championId, _clock.GetUtcNow(), ProgrammeCalendar.QueensPark);
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors.Select(e => $"{e.Field}: {e.Message}")));
        return parsed.Event!;
    }

    /// <summary>Records as the gateway would; a service level is set by the early intervention team, as the family grain requires.</summary>
    public static async Task<ContactReceipt> RecordAsync(IGrainFactory grains, ContactEvent contact)
    {
        if (contact.Data is ServiceLevelSet)
        {
            CallerContext.Set(new Caller("eit-tester", Roles.EarlyIntervention, AllWards, null, null));
        }

        try
        {
            if (contact.Data is DropInHosted { ChampionId: { } champion })
            {
                return await grains.GetGrain<IChampionGrain>(champion).RecordAsync(contact);
            }

            return contact.ChildId is { } child
                ? await grains.GetGrain<IChildGrain>(child).RecordAsync(contact)
                : await grains.GetGrain<IFamilyGrain>(contact.FamilyId!).RecordAsync(contact);
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    /// <summary>Records every event with a bounded number in flight, asserting none is rejected.</summary>
    public static async Task RecordAllAsync(IGrainFactory grains, IEnumerable<ContactEvent> contacts, int inFlight = 32)
    {
        using var gate = new SemaphoreSlim(inFlight);
        var tasks = contacts.Select(async c =>
        {
            await gate.WaitAsync();
            try
            {
                var receipt = await RecordAsync(grains, c);
                Assert.True(receipt.Status != ReceiptStatus.Rejected, $"{c.Type} {c.EventId} rejected: {string.Join("; ", receipt.Errors.Select(p => $"{p.Field}: {p.Message}"))}");
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks);
    }

}
