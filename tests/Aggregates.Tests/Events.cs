using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>Builds contact events through the real wire parser and records them where the gateway would.</summary>
public sealed class Events(TimeProvider clock, string prefix)
{
    private static readonly string[] AllWards = ["queens-park", "harrow-road", "westbourne", "church-street"];

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
        var parsed = EventCatalogue.Parse(document.RootElement, recordedBy, clock.GetUtcNow());
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors.Select(e => $"{e.Field}: {e.Message}")));
        return parsed.Event!;
    }

    public ContactEvent Birth(string familyId, string childId, DateOnly dateOfBirth, string ward) =>
        Make(EventTypes.BirthNotified, familyId, childId, At(dateOfBirth).AddHours(12),
            new JsonObject { ["dateOfBirth"] = Day(dateOfBirth), ["wardCode"] = ward }, "service:midwifery");

    public ContactEvent Review(string familyId, string childId, string review, DateTimeOffset at) =>
        Make(EventTypes.ReviewCompleted, familyId, childId, at, new JsonObject { ["review"] = review });

    public ContactEvent Missed(string familyId, string childId, DateTimeOffset at) =>
        Make(EventTypes.AppointmentMissed, familyId, childId, at, new JsonObject { ["service"] = "health-visiting" });

    public ContactEvent Registered(string familyId, string childId, DateTimeOffset at) =>
        Make(EventTypes.CentreRegistered, familyId, childId, at, [], "service:childrens-centre");

    public ContactEvent Referral(string familyId, string childId, string referralId, DateTimeOffset at, bool accepted) =>
        Make(accepted ? EventTypes.ReferralAccepted : EventTypes.ReferralMade, familyId, childId, at,
            new JsonObject { ["referralId"] = referralId, ["from"] = "health-visiting", ["to"] = "childrens-centre" });

    public ContactEvent Concern(string familyId, string concern, DateTimeOffset at) =>
        Make(EventTypes.ConcernRaised, familyId, null, at, new JsonObject { ["concern"] = concern });

    public ContactEvent Level(string familyId, string level, DateTimeOffset at) =>
        Make(EventTypes.ServiceLevelSet, familyId, null, at, new JsonObject { ["level"] = level, ["reason"] = "agreed at the team meeting" });

    public ContactEvent Outreach(string familyId, string championId, string? signpostedTo, DateTimeOffset at)
    {
        var data = new JsonObject { ["championId"] = championId };
        if (signpostedTo is not null)
        {
            data["signpostedTo"] = signpostedTo;
        }

        return Make(EventTypes.ChampionOutreach, familyId, null, at, data, "champion:" + championId);
    }

    public ContactEvent Survey(string familyId, string championId, string service, int score, DateTimeOffset at) =>
        Make(EventTypes.SurveyCompleted, familyId, null, at,
            new JsonObject { ["championId"] = championId, ["satisfaction"] = new JsonObject { [service] = score } }, "champion:" + championId);

    /// <summary>Records as the gateway would; a service level is set by the early intervention team, as the family grain requires.</summary>
    public static async Task<ContactReceipt> RecordAsync(IGrainFactory grains, ContactEvent contact)
    {
        if (contact.Data is ServiceLevelSet)
        {
            CallerContext.Set(new Caller("eit-tester", Roles.EarlyIntervention, AllWards, null, null));
        }

        try
        {
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

    public static DateTimeOffset At(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
