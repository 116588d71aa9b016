using System.Text.Json.Nodes;
using QpActors.Domain;
using QpActors.Figures.CostBenefit;
using QpActors.Figures.Reach;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>Each ward's share of its area's projected savings: by reach weighted by need for benefits, by budget for costs.</summary>
public sealed class WardSavingsTests
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.LoadDefault();
    private static readonly WardFiguresBuilder Builder = new(Catalogue, CostBenefitAssumptions.LoadDefault(), ProgrammeCalendar.QueensPark);
    private static readonly AreaServices Area = Catalogue.Area("north-westminster");

    [Fact]
    public void Benefits_follow_reach_weighted_by_need_and_costs_follow_budgets()
    {
        // Harrow Road reaches half Queen's Park's children at the same need; Westbourne reaches as few, each needing twice as much.
        var wards = Documents(("queens-park", 692, Levels(692, 0, 0)), ("harrow-road", 346, Levels(346, 0, 0)), ("westbourne", 346, Levels(0, 346, 0)), ("church-street", 0, Levels(0, 0, 0)));

        Builder.ShareSavings(Area, wards, "default");

        Assert.Equal([0.4m, 0.2m, 0.4m, 0m], wards.Select(w => Share(w, "benefits")));
        Assert.Equal(Area.Wards.Select(w => Math.Round(w.AnnualBudget / Area.AnnualBudget, 6)), wards.Select(w => Share(w, "costs")));
        Assert.Equal(2m, wards[2]["savings"]!["share"]!["needIndex"]!.GetValue<decimal>());
        var churchStreet = wards[3]["savings"]!;
        Assert.All(churchStreet["byYear"]!.AsArray().Skip(1), y => Assert.True(y!["netSaving"]!.GetValue<decimal>() < 0));
        Assert.Null(churchStreet["paybackYear"]?.GetValue<int>());
    }

    [Fact]
    public void Need_comes_from_the_published_levels_with_hidden_ones_sharing_what_the_total_leaves()
    {
        // Queen's Park: 692 children reached (published 690), levels 600 / 88 / 4 of 692. The 4 is hidden and, so it cannot
        // be recovered from the total, the 88 too; both levels also hide at the area (no other ward has any).
        // Published: 690 children, universal 600, so the two hidden levels share 90: 45 each.
        // Need index (600 x 1 + 45 x 2 + 45 x 3) / 690 = 825 / 690; weight 690 x 825 / 690 = 825.
        // Harrow Road: 346 reached, all universal: 345 x 1. Benefits 825 / 1170 and 345 / 1170.
        var wards = Documents(("queens-park", 692, Levels(600, 88, 4)), ("harrow-road", 346, Levels(346, 0, 0)), ("westbourne", 0, Levels(0, 0, 0)), ("church-street", 0, Levels(0, 0, 0)));

        Builder.ShareSavings(Area, wards, "default");

        Assert.Equal([0.705128m, 0.294872m, 0m, 0m], wards.Select(w => Share(w, "benefits")));
        Assert.Equal(1.1957m, Share(wards[0], "needIndex"));
        Assert.Equal(690, wards[0]["savings"]!["share"]!["childrenReached"]!.GetValue<int>());
    }

    [Fact]
    public void A_hidden_reach_is_estimated_from_what_the_areas_published_total_leaves()
    {
        // Church Street reaches 6 children (hidden). Hiding it in the area's sums hides the smallest other ward's count
        // too: Harrow Road's 346 (its children and universal level hide alike, so its need index falls back to 1).
        // Published: Queen's Park 690, Westbourne 350 (all universal plus: need index 2), area 692 + 346 + 351 + 6 = 1,395.
        // The two hidden wards share 1,395 - 690 - 350 = 355: 177.5 each. Weights 690, 177.5, 700, 177.5; sum 1,745.
        var wards = Documents(("queens-park", 692, Levels(692, 0, 0)), ("harrow-road", 346, Levels(346, 0, 0)), ("westbourne", 351, Levels(0, 351, 0)), ("church-street", 6, Levels(6, 0, 0)));

        Builder.ShareSavings(Area, wards, "default");

        Assert.Equal([0.395415m, 0.101719m, 0.401146m, 0.101719m], wards.Select(w => Share(w, "benefits")));
        Assert.Equal([690, null, 350, null], wards.Select(w => w["savings"]!["share"]!["childrenReached"]?.GetValue<int>()));
    }

    [Theory]
    [InlineData("default")]
    [InlineData("pessimistic")]
    [InlineData("budget-cut-20")]
    public void The_wards_savings_add_up_to_the_areas_and_the_area_keeps_the_pilots_business_case(string scenario)
    {
        var wards = Documents(("queens-park", 692, Levels(500, 150, 42)), ("harrow-road", 420, Levels(300, 100, 20)), ("westbourne", 390, Levels(200, 150, 40)), ("church-street", 510, Levels(400, 80, 30)));
        var area = Builder.BuildArea(Area, wards, scenario);

        Builder.ShareSavings(Area, wards, scenario);

        var areaYears = area["savings"]!["byYear"]!.AsArray();
        for (var year = 0; year < areaYears.Count; year++)
        {
            var sum = wards.Sum(w => w["savings"]!["byYear"]![year]!["netSaving"]!.GetValue<decimal>());
            Assert.InRange(sum, areaYears[year]!["netSaving"]!.GetValue<decimal>() - 4, areaYears[year]!["netSaving"]!.GetValue<decimal>() + 4);
        }

        Assert.InRange(wards.Sum(w => w["savings"]!["npv"]!.GetValue<decimal>()), area["savings"]!["npv"]!.GetValue<decimal>() - 4, area["savings"]!["npv"]!.GetValue<decimal>() + 4);
        Assert.Equal(1m, wards.Sum(w => Share(w, "benefits")), 5);
        Assert.All(wards, w => Assert.Equal(scenario, w["savings"]!["scenario"]!.GetValue<string>()));
        if (scenario == "default")
        {
            foreach (var (from, to, businessCase) in new[] { (1, 5, 100_000m), (6, 10, 350_000m), (11, 15, 442_000m) })
            {
                for (var year = from; year <= to; year++)
                {
                    Assert.InRange(areaYears[year]!["netSaving"]!.GetValue<decimal>(), businessCase * 0.95m, businessCase * 1.05m);
                }
            }
        }
    }

    [Fact]
    public void With_no_child_reached_anywhere_benefits_are_shared_like_costs_and_other_areas_wards_are_left_alone()
    {
        var wards = Documents(("queens-park", 0, Levels(0, 0, 0)), ("harrow-road", 0, Levels(0, 0, 0)), ("westbourne", 0, Levels(0, 0, 0)), ("church-street", 0, Levels(0, 0, 0)));
        var stranger = new JsonObject { ["wardCode"] = "elsewhere", ["savings"] = null };

        Builder.ShareSavings(Area, [.. wards, stranger], "default");

        Assert.All(wards, w => Assert.Equal(Share(w, "costs"), Share(w, "benefits")));
        Assert.Contains("by service budget", wards[0]["savings"]!["share"]!["basis"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(stranger["savings"]);
    }

    [Fact]
    public void A_more_pessimistic_scenario_gives_every_ward_less()
    {
        var pessimistic = Documents(("queens-park", 692, Levels(692, 0, 0)), ("harrow-road", 300, Levels(250, 50, 0)), ("westbourne", 200, Levels(100, 50, 50)), ("church-street", 100, Levels(100, 0, 0)));
        var central = Documents(("queens-park", 692, Levels(692, 0, 0)), ("harrow-road", 300, Levels(250, 50, 0)), ("westbourne", 200, Levels(100, 50, 50)), ("church-street", 100, Levels(100, 0, 0)));

        Builder.ShareSavings(Area, pessimistic, "pessimistic");
        Builder.ShareSavings(Area, central, "default");

        Assert.All(pessimistic.Zip(central), pair => Assert.True(
            pair.First["savings"]!["npv"]!.GetValue<decimal>() < pair.Second["savings"]!["npv"]!.GetValue<decimal>(),
            pair.First["wardCode"]!.GetValue<string>()));
        Assert.Throws<FiguresQueryException>(() => Builder.ShareSavings(Area, central, "no-such-scenario"));
    }

    private static decimal Share(JsonObject ward, string name) => ward["savings"]!["share"]![name]!.GetValue<decimal>();

    private static (int Universal, int Plus, int PartnershipPlus) Levels(int universal, int plus, int partnershipPlus) => (universal, plus, partnershipPlus);

    /// <summary>Ward documents holding just what the share reads (as the ward grain builds them; counts are raw).</summary>
    private static List<JsonObject> Documents(params (string Ward, int Reached, (int Universal, int Plus, int PartnershipPlus) Levels)[] wards) =>
        wards.Select(w => new JsonObject
        {
            ["wardCode"] = w.Ward,
            ["unitCost"] = new JsonObject { ["childrenReached"] = w.Reached },
            ["need"] = new JsonObject
            {
                ["children"] = w.Levels.Universal + w.Levels.Plus + w.Levels.PartnershipPlus,
                ["childrenBySuggestedLevel"] = new JsonObject
                {
                    ["universal"] = w.Levels.Universal,
                    ["universal-plus"] = w.Levels.Plus,
                    ["universal-partnership-plus"] = w.Levels.PartnershipPlus,
                },
            },
            ["savings"] = null,
        })
        // Through text, as the grains hand documents over: the area's sum reads numbers as parsed JSON.
        .Select(d => JsonNode.Parse(d.ToJsonString())!.AsObject())
        .ToList();
}
