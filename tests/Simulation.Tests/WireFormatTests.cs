using System.Globalization;
using System.Text.Json.Nodes;
using QpActors.Simulation.Generation;

namespace QpActors.Simulation.Tests;

/// <summary>Checks generated events against the wire format in docs/design.md (the gateway rejects unknown fields).</summary>
public sealed class WireFormatTests
{
    // type -> (childId: required / optional / forbidden, required data fields, optional data fields)
    private static readonly Dictionary<string, (string Child, string[] Required, string[] Optional)> Catalogue = new()
    {
        ["family-registered"] = ("no", ["wardCode", "housing"], ["youngParent", "gpRegistered", "members"]),
        ["family-details-changed"] = ("no", [], ["wardCode", "housing", "youngParent", "gpRegistered", "members"]),
        ["pregnancy-booked"] = ("yes", ["expectedDueDate", "gestationWeeks"], []),
        ["birth-notified"] = ("yes", ["dateOfBirth", "wardCode"], []),
        ["review-completed"] = ("yes", ["review"], ["asq3"]),
        ["appointment-missed"] = ("yes", ["service"], []),
        ["centre-registered"] = ("yes", [], ["centreId"]),
        ["session-attended"] = ("opt", ["session"], []),
        ["champion-outreach"] = ("no", ["championId"], ["signpostedTo"]),
        ["survey-completed"] = ("no", ["championId", "satisfaction"], []),
        ["referral-made"] = ("opt", ["referralId", "from", "to"], []),
        ["referral-accepted"] = ("opt", ["referralId", "from", "to"], []),
        ["referral-declined"] = ("opt", ["referralId", "from", "to"], []),
        ["ae-attendance"] = ("yes", [], ["reason"]),
        ["immunisation-given"] = ("yes", ["vaccine"], []),
        ["immunisation-missed"] = ("yes", ["vaccine"], []),
        ["concern-raised"] = ("opt", ["concern"], []),
        ["concern-resolved"] = ("opt", ["concern"], []),
        ["service-level-set"] = ("no", ["level", "reason"], []),
        ["drop-in-hosted"] = ("no", ["session"], ["championId", "attendance"]),
    };

    [Fact]
    public void Every_generated_event_fits_the_catalogue()
    {
        var run = PilotRuns.For(42);
        var seenTypes = new HashSet<string>();
        foreach (var contact in run.Contacts.Where(c => !c.IsDuplicateSend))
        {
            var json = JsonNode.Parse(contact.WireJson)!.AsObject();
            var type = json["type"]!.GetValue<string>();
            seenTypes.Add(type);
            Assert.True(Catalogue.TryGetValue(type, out var rule), $"unknown type {type}");
            Assert.Equal(contact.Type, type);
            Assert.Equal(contact.EventId, json["eventId"]!.GetValue<string>());
            Assert.True(ContactIds.IsValid(contact.EventId));

            var occurredAt = json["occurredAt"]!.GetValue<string>();
            Assert.EndsWith("Z", occurredAt, StringComparison.Ordinal);
            Assert.Equal(contact.OccurredAt, DateTimeOffset.Parse(occurredAt, CultureInfo.InvariantCulture));

            if (type == "drop-in-hosted")
            {
                Assert.Null(json["familyId"]);
            }
            else
            {
                Assert.StartsWith("syn-", json["familyId"]!.GetValue<string>(), StringComparison.Ordinal);
            }

            var child = json["childId"]?.GetValue<string>();
            if (rule.Child == "yes")
            {
                Assert.NotNull(child);
            }
            else if (rule.Child == "no")
            {
                Assert.Null(child);
            }

            Assert.All(json.Select(p => p.Key), key => Assert.Contains(key, (string[])["eventId", "type", "occurredAt", "familyId", "childId", "data"]));
            var data = json["data"]!.AsObject();
            Assert.All(rule.Required, field => Assert.True(data.ContainsKey(field), $"{type} lacks data.{field}"));
            Assert.All(data.Select(p => p.Key), field => Assert.True(rule.Required.Contains(field) || rule.Optional.Contains(field), $"{type} has unknown data.{field}"));
        }

        Assert.Equal(Catalogue.Keys.Order(), seenTypes.Order());
    }

    [Fact]
    public void Field_values_use_the_closed_vocabularies()
    {
        var asOf = PilotRuns.For(42).Options.End;
        foreach (var contact in PilotRuns.For(42).Contacts.Where(c => !c.IsDuplicateSend))
        {
            var data = JsonNode.Parse(contact.WireJson)!["data"]!.AsObject();
            if (data["housing"] is { } housing)
            {
                Assert.Contains(housing.GetValue<string>(), WireVocabulary.Housing);
            }

            if (data["concern"] is { } concern)
            {
                Assert.Contains(concern.GetValue<string>(), WireVocabulary.Concerns);
            }

            if (data["review"] is { } review)
            {
                Assert.Contains(review.GetValue<string>(), WireVocabulary.Reviews);
            }

            if (data["level"] is { } level)
            {
                Assert.Contains(level.GetValue<string>(), WireVocabulary.ServiceLevels);
                Assert.InRange(data["reason"]!.GetValue<string>().Length, 3, 2000);
            }

            foreach (var service in new[] { "service", "signpostedTo", "from", "to" })
            {
                if (data[service] is { } id)
                {
                    Assert.Contains(id.GetValue<string>(), WireVocabulary.Services);
                }
            }

            if (data["gestationWeeks"] is { } weeks)
            {
                Assert.InRange(weeks.GetValue<int>(), 4, 42);
            }

            if (data["dateOfBirth"] is { } born)
            {
                Assert.True(DateOnly.ParseExact(born.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture) < asOf);
            }

            if (data["asq3"] is JsonObject asq3)
            {
                Assert.Equal(5, asq3.Count);
                Assert.All(asq3, d => Assert.InRange(d.Value!.GetValue<int>(), 0, 60));
            }

            if (data["satisfaction"] is JsonObject satisfaction)
            {
                Assert.NotEmpty(satisfaction);
                Assert.All(satisfaction, s => Assert.InRange(s.Value!.GetValue<int>(), 1, 5));
                Assert.All(satisfaction, s => Assert.Contains(s.Key, WireVocabulary.Services));
            }
        }
    }

    [Fact]
    public void Champion_events_are_recorded_by_the_champion_they_name()
    {
        foreach (var contact in PilotRuns.For(42).Contacts.Where(c => c.Type is "champion-outreach" or "survey-completed"))
        {
            var champion = JsonNode.Parse(contact.WireJson)!["data"]!["championId"]!.GetValue<string>();
            Assert.Equal("champion:" + champion, contact.RecordedBy);
        }
    }

    [Fact]
    public void To_json_object_round_trips_the_wire_json()
    {
        var contact = PilotRuns.For(42).Contacts[0];

        Assert.Equal(contact.WireJson, contact.ToJsonObject().ToJsonString());
    }
}
