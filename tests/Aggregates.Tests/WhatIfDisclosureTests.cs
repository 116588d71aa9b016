using System.Text.Json.Nodes;
using QpActors.Domain;
using QpActors.Figures.CostBenefit;
using QpActors.Figures.Publishing;
using QpActors.Figures.Reach;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// A what-if changes money, never counts: whatever unit costs, phases, scales or need weights the commission posts, the
/// published documents of two areas that differ only in a suppressed count are the same, so no override can reveal it.
/// </summary>
public sealed class WhatIfDisclosureTests
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.LoadDefault();
    private static readonly WardFiguresBuilder Builder = new(Catalogue, CostBenefitAssumptions.LoadDefault(), ProgrammeCalendar.QueensPark);
    private static readonly AreaServices Area = Catalogue.Area("north-westminster");

    /// <summary>
    /// Overrides an analyst might try in order to read a count through money: a unit cost of 1 on a line avoided a million
    /// times a year (so a ward's pounds spell its benefit share to six figures), no costs to blur it, and need weights that
    /// put all the weight on the level whose count is hidden.
    /// </summary>
    public static TheoryData<string> Probes() => new()
    {
        """{"unitCosts": {"ae-attendance": {"unitCost": 1}}, "costs": {"setUp": 0, "annualRunning": 0}, "deadweight": {"rate": 0}, "phases": {"years-1-5": {"avoidedPerYear": {"ae-attendance": 1000000, "emergency-admission": 0, "late-intervention-case": 0}}}}""",
        """{"wardShares": {"needWeights": {"universal": 0, "universal-plus": 1000000, "universal-partnership-plus": 0}}, "benefitScale": {"factor": 1000}}""",
        """{"wardShares": {"needWeights": {"universal": 0, "universal-plus": 0, "universal-partnership-plus": 1}}, "unitCosts": {"probe": {"name": "probe", "agency": "nhs", "unit": "child", "unitCost": 1, "source": "test"}}, "phases": {"years-1-5": {"avoidedPerYear": {"probe": 1}}}}""",
    };

    [Theory]
    [MemberData(nameof(Probes))]
    public void No_override_reveals_a_suppressed_count(string overrides)
    {
        // Church Street's 5 or 6 children reached (and at partnership plus, 1 or 2) are hidden alike; every total they
        // feed rounds to the same published value in both worlds.
        var five = Publish(Documents(5, 1), overrides);
        var six = Publish(Documents(6, 2), overrides);

        Assert.Equal(five.Keys, six.Keys);
        foreach (var ward in five.Keys)
        {
            Assert.True(five[ward] == six[ward], $"{ward}: {five[ward]}\nagainst\n{six[ward]}");
        }

        // The probe reached the savings: each world's documents carry an overridden share, not a withheld one.
        Assert.All(five.Values, d => Assert.True(JsonNode.Parse(d)!["savings"]?["overridden"]?.GetValue<bool>(), d));
    }

    [Fact]
    public void Overrides_that_cannot_be_applied_name_every_field_from_the_bodys_root()
    {
        var error = Assert.Throws<CostBenefitOverridesException>(() =>
            Builder.ShareSavings(Area, Documents(5, 1), "default", """{"deadweight": {"rate": 7}, "mystery": true}"""));

        Assert.Equal(["overrides.deadweight.rate", "overrides.mystery"], error.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    /// <summary>Each ward's document as the commission would see it, published with its neighbours, by ward code.</summary>
    private static Dictionary<string, string> Publish(List<JsonObject> wards, string overrides)
    {
        Builder.ShareSavings(Area, wards, "default", overrides);
        var texts = wards.Select(w => w.ToJsonString()).ToList();
        return wards.Select((w, i) => (Code: w["wardCode"]!.GetValue<string>(), Text: FiguresPublisher.ForCommission(texts[i], texts.Where((_, j) => j != i).ToList())))
            .ToDictionary(x => x.Code, x => x.Text, StringComparer.Ordinal);
    }

    private static List<JsonObject> Documents(int churchStreetReached, int churchStreetPartnershipPlus) =>
        new (string Ward, int Universal, int Plus, int PartnershipPlus)[]
        {
            ("queens-park", 600, 88, 4),
            ("harrow-road", 346, 0, 0),
            ("westbourne", 0, 351, 0),
            ("church-street", churchStreetReached - churchStreetPartnershipPlus, 0, churchStreetPartnershipPlus),
        }
        .Select(w => new JsonObject
        {
            ["wardCode"] = w.Ward,
            ["unitCost"] = new JsonObject { ["childrenReached"] = w.Universal + w.Plus + w.PartnershipPlus },
            ["need"] = new JsonObject
            {
                ["children"] = w.Universal + w.Plus + w.PartnershipPlus,
                ["childrenBySuggestedLevel"] = new JsonObject
                {
                    ["universal"] = w.Universal,
                    ["universal-plus"] = w.Plus,
                    ["universal-partnership-plus"] = w.PartnershipPlus,
                },
            },
            ["savings"] = null,
        })
        .Select(d => JsonNode.Parse(d.ToJsonString())!.AsObject())
        .ToList();
}
