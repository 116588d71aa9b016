using System.Text.Json.Nodes;
using QpActors.Simulation.Generation;

namespace QpActors.Simulation.Tests;

public sealed class GeneratorPresetTests
{
    [Fact]
    public void Queens_park_totals_come_from_the_brief()
    {
        var totals = SimulationTotals.For(GeneratorOptions.QueensParkPilot());

        Assert.Equal(1_020, totals.Births);
        Assert.Equal(692, totals.Registered);
        Assert.Equal(328, totals.Unreached);
        Assert.Equal(14, totals.CommunityChampions);
        Assert.Equal(6, totals.MaternityChampions);
        Assert.Equal(500, totals.Surveys);
        Assert.Equal(12_750, totals.Wards.Single().Residents);
        Assert.Equal(6, totals.Wards.Single().DropInsPerWeek);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(2024)]
    public void Generated_pilot_matches_its_preset_within_tolerance(int seed)
    {
        var run = PilotRuns.For(seed);
        var originals = run.Contacts.Where(c => !c.IsDuplicateSend).ToList();
        int Count(string type) => originals.Count(c => c.Type == type);

        Assert.InRange(Count("birth-notified"), 1_020 * 0.97, 1_020 * 1.03);
        Assert.InRange(Count("centre-registered"), 692 * 0.97, 692 * 1.03);
        Assert.InRange(Count("family-registered"), run.Totals.Families * 0.95, run.Totals.Families * 1.05);
        Assert.InRange(Count("survey-completed"), 500 * 0.85, 500 * 1.1);

        var housing = originals.Where(c => c.Type == "family-registered")
            .Select(c => JsonNode.Parse(c.WireJson)!["data"]!["housing"]!.GetValue<string>())
            .ToList();
        Assert.InRange(housing.Count(h => h == "social-rented") / (double)housing.Count, 0.67, 0.73);
    }

    [Fact]
    public void Pilot_has_fourteen_community_and_six_maternity_champions()
    {
        var recorders = PilotRuns.For(42).Contacts.Select(c => c.RecordedBy).Distinct().ToList();

        Assert.Equal(14, recorders.Count(r => r.StartsWith("champion:ch-", StringComparison.Ordinal)));
        Assert.Equal(6, recorders.Count(r => r.StartsWith("champion:mc-", StringComparison.Ordinal)));
        Assert.All(
            recorders.Where(r => r.StartsWith("service:", StringComparison.Ordinal)),
            r => Assert.Contains(r["service:".Length..], WireVocabulary.Services));
    }

    [Fact]
    public void Drop_ins_run_five_sounds_like_fun_and_one_maternity_session_a_week()
    {
        var run = PilotRuns.For(42);
        var dropIns = run.Contacts.Where(c => c.Type == "drop-in-hosted" && !c.IsDuplicateSend)
            .Select(c => JsonNode.Parse(c.WireJson)!["data"]!["session"]!.GetValue<string>())
            .ToList();
        var weeks = (run.Options.End.DayNumber - run.Options.Start.DayNumber) / 7.0;

        Assert.InRange(dropIns.Count(s => s == "sounds-like-fun") / weeks, 4.9, 5.1);
        Assert.InRange(dropIns.Count(s => s == "maternity-drop-in") / weeks, 0.95, 1.05);
    }

    [Fact]
    public void Review_completion_is_near_the_england_rates()
    {
        var reviews = PilotRuns.For(42).Contacts
            .Where(c => c.Type == "review-completed" && !c.IsDuplicateSend)
            .Select(c => JsonNode.Parse(c.WireJson)!["data"]!)
            .ToList();
        var newBirth = reviews.Count(r => r["review"]!.GetValue<string>() == "new-birth");
        var twoYear = reviews.Where(r => r["review"]!.GetValue<string>() == "2-year").ToList();

        // New birth visits on time (86.4%) plus late ones (9%), of about 1,020 births.
        Assert.InRange(newBirth / 1_020.0, 0.9, 1.0);
        Assert.InRange(twoYear.Count(r => r["asq3"] is not null) / (double)twoYear.Count, 0.85, 0.97);
    }

    [Fact]
    public void Other_north_westminster_wards_have_presets_and_the_children_override_splits_by_births()
    {
        var options = new GeneratorOptions(1, ["queens-park", "harrow-road", "westbourne", "church-street"], 10_000, new DateOnly(2020, 1, 1), new DateOnly(2024, 1, 1));

        var totals = SimulationTotals.For(options);

        Assert.Equal(10_000, totals.Births);
        Assert.Equal(["queens-park", "harrow-road", "westbourne", "church-street"], totals.Wards.Select(w => w.Ward));
        Assert.All(totals.Wards, w => Assert.InRange(w.Births, 2_300, 2_700));
        Assert.All(totals.Wards, w => Assert.InRange(w.Registered / (double)w.Births, 0.6, 0.75));
    }

    [Fact]
    public void Several_wards_never_share_an_id()
    {
        var options = new GeneratorOptions(3, ["queens-park", "church-street", "syn-ward-002"], 600, new DateOnly(2020, 1, 1), new DateOnly(2022, 1, 1));
        var contacts = new ContactGenerator(options).Generate().Where(c => !c.IsDuplicateSend).ToList();

        Assert.Equal(contacts.Count, contacts.Select(c => c.EventId).Distinct().Count());
        var wardsOfBirths = contacts.Where(c => c.Type == "birth-notified")
            .Select(c => JsonNode.Parse(c.WireJson)!["data"]!["wardCode"]!.GetValue<string>())
            .Distinct()
            .Order();
        Assert.Equal(["church-street", "queens-park", "syn-ward-002"], wardsOfBirths);
        Assert.Contains(contacts, c => c.RecordedBy == "champion:cs-ch-01");
    }
}
