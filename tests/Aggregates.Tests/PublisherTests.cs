using System.Globalization;
using System.Text.Json.Nodes;
using QpActors.Domain;
using QpActors.Figures.CostBenefit;
using QpActors.Figures.Publishing;
using QpActors.Figures.Reach;
using QpActors.Grains;

namespace QpActors.Aggregates.Tests;

/// <summary>The commission's publisher: one small-number pass over every count, secondary suppression, derived figures.</summary>
public sealed class PublisherTests
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.LoadDefault();
    private static readonly WardFiguresBuilder Builder = new(Catalogue, CostBenefitAssumptions.LoadDefault(), ProgrammeCalendar.QueensPark);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, null)]
    [InlineData(7, null)]
    [InlineData(8, 10)]
    [InlineData(12, 10)]
    [InlineData(13, 15)]
    [InlineData(692, 690)]
    [InlineData(1020, 1020)]
    public void A_count_is_kept_at_zero_suppressed_below_eight_or_rounded_to_five(int raw, int? expected)
    {
        var published = Publish(new SampleWard("w") with { Registered = raw });

        Assert.Equal(expected, (int?)Figures.Node(published, "reach.registered"));
        Assert.Equal(expected is null && raw > 0, Suppressed(published).Contains("reach.registered"));
    }

    [Fact]
    public void Percentages_come_from_the_rounded_counts()
    {
        var raw = new SampleWard("w", Reached: 692, Unreached: 328, Registered: 692).Build();
        var published = Publish(raw);

        Assert.Equal(67.8, Figures.Node(raw, "reach.registeredPercent")!.GetValue<double>());
        Assert.Equal(1020, Figures.Count(published, "reach.known"));
        Assert.Equal(690, Figures.Count(published, "reach.registered"));
        Assert.Equal(67.6, Figures.Node(published, "reach.registeredPercent")!.GetValue<double>());
        Assert.Equal(Math.Round(100.0 * 330 / 1020, 1), Figures.Node(published, "reach.unreachedPercent")!.GetValue<double>());
    }

    [Fact]
    public void A_raw_document_says_it_is_raw_and_a_published_one_lists_nothing_when_nothing_is_small()
    {
        var raw = new SampleWard("w").Build();
        var published = Publish(raw);

        Assert.False(raw["published"]!.GetValue<bool>());
        Assert.Empty(raw["suppressed"]!.AsArray());
        Assert.True(published["published"]!.GetValue<bool>());
        Assert.Empty(Suppressed(published));
        Assert.Equal(FiguresPublisher.RuleDescription, published["disclosure"]!.GetValue<string>());
    }

    [Fact]
    public void A_hidden_part_hides_another_part_so_the_total_cannot_give_it_away()
    {
        var published = Publish(new SampleWard("w", Reached: 97, Unreached: 3));

        Assert.Null(Figures.Node(published, "reach.unreached"));
        Assert.Null(Figures.Node(published, "reach.reached"));
        Assert.Equal(100, Figures.Count(published, "reach.known"));
        // reached is also a part of the unit cost's children (reached + reached outside birth records), so that hides too.
        Assert.Equal(["reach.reached", "reach.unreached", "reach.reachedOutsideBirthRecords"], Suppressed(published).Where(s => s.StartsWith("reach.", StringComparison.Ordinal)));
        Assert.Null(Figures.Node(published, "reach.unreachedPercent"));
    }

    [Fact]
    public void The_list_of_hidden_counts_does_not_tell_the_small_one_from_those_hidden_to_protect_it()
    {
        // 3 unreached of 100, or 3 reached of 100: reached and unreached are hidden either way. Listed in the order they
        // were hidden, the small one came first and the one hidden for it (8 or more, or it would have been small too)
        // after it, out of the document's order: which of the two is 1-7 would show.
        var smallUnreached = Publish(new SampleWard("w", Reached: 97, Unreached: 3));
        var smallReached = Publish(new SampleWard("w", Reached: 3, Unreached: 97));

        Assert.Equal(Reach(smallReached), Reach(smallUnreached));
        Assert.Equal(["reach.reached", "reach.unreached", "reach.reachedOutsideBirthRecords"], Reach(smallUnreached));

        static List<string> Reach(JsonObject published) => Suppressed(published).Where(s => s.StartsWith("reach.", StringComparison.Ordinal)).ToList();
    }

    [Theory]
    [InlineData(37, 3, 0, new[] { "need.familiesBySuggestedLevel.universal-plus", "need.familiesBySuggestedLevel.universal" })]
    [InlineData(35, 3, 2, new[] { "need.familiesBySuggestedLevel.universal-plus", "need.familiesBySuggestedLevel.universal-partnership-plus" })]
    public void Levels_that_add_up_to_the_families_are_suppressed_together(int universal, int plus, int partnership, string[] hidden)
    {
        var published = Publish(new SampleWard("w", Universal: universal, UniversalPlus: plus, PartnershipPlus: partnership));

        Assert.Equal(hidden.Order(), Suppressed(published).Where(s => s.StartsWith("need.familiesBySuggestedLevel", StringComparison.Ordinal)).Order());
        Assert.NotNull(Figures.Node(published, "need.families"));
    }

    [Fact]
    public void An_indicator_sharing_a_hidden_count_hides_it_too()
    {
        var published = Publish(new SampleWard("w", C6iNumerator: 5, C6iiNumerator: 4));

        Assert.Null(Figures.Node(published, "indicators.C6i.numerator"));
        Assert.Null(Figures.Node(published, "indicators.C6ii.denominator"));
        Assert.Null(Figures.Node(published, "indicators.C6i.percent"));
        Assert.Null(Figures.Node(published, "indicators.C6ii.percent"));
    }

    [Fact]
    public void A_ward_cell_cannot_be_recovered_from_the_area_and_its_neighbours()
    {
        var small = new SampleWard("a", Unreached: 3).Json();
        var others = new[] { new SampleWard("b", Unreached: 40).Json(), new SampleWard("c", Unreached: 300).Json() };
        var area = AreaOf(small, others[0], others[1]);

        var wardA = Figures.Parse(FiguresPublisher.ForCommission(small, others));
        var wardB = Figures.Parse(FiguresPublisher.ForCommission(others[0], [small, others[1]]));
        var wardC = Figures.Parse(FiguresPublisher.ForCommission(others[1], [small, others[0]]));
        var published = Figures.Parse(FiguresPublisher.ForCommission(area, [small, .. others]));

        Assert.Null(Figures.Node(wardA, "reach.unreached"));
        var unreached = new[] { wardA, wardB, wardC, published }.Select(d => (int?)Figures.Node(d, "reach.unreached")).ToList();
        Assert.True(unreached.Count(u => u is null) >= 2, "the area total and two wards would give the third away");
        Assert.All(new[] { wardA, wardB, wardC }, w => Assert.NotNull(Figures.Node(w, "reach.known")));
    }

    [Fact]
    public void A_ward_published_alone_and_within_its_area_hides_the_same_cells()
    {
        var wards = new[] { new SampleWard("a", Unreached: 3, Registered: 6).Json(), new SampleWard("b", Unreached: 4, C2Numerator: 2).Json(), new SampleWard("c", Unreached: 30).Json() };

        var first = FiguresPublisher.ForCommission(wards[0], [wards[1], wards[2]]);
        var reordered = FiguresPublisher.ForCommission(wards[0], [wards[2], wards[1], wards[0]]);
        var area = Figures.Parse(FiguresPublisher.ForCommission(AreaOf(wards), [wards[2], wards[0], wards[1]]));

        Assert.Equal(first, reordered);
        Assert.Contains("reach.registered", Suppressed(Figures.Parse(first)));
        var rawKnown = Figures.Count(Figures.Parse(AreaOf(wards)), "reach.known");
        Assert.Equal((int)(Math.Round(rawKnown / 5.0, MidpointRounding.AwayFromZero) * 5), Figures.Count(area, "reach.known"));
    }

    [Fact]
    public void An_area_publishes_the_sum_of_its_wards()
    {
        var wards = new[] { new SampleWard("a", Registered: 100).Json(), new SampleWard("b", Registered: 203).Json() };

        var published = Figures.Parse(FiguresPublisher.ForCommission(AreaOf(wards), wards));

        Assert.Equal(305, Figures.Count(published, "reach.registered"));
        Assert.Equal("north", published["areaId"]!.GetValue<string>());
    }

    [Fact]
    public void Unit_cost_comes_from_the_rounded_children_and_is_withheld_when_they_are_hidden()
    {
        var published = Publish(new SampleWard("w", Reached: 692, Unreached: 328, Outside: 0, CentreActive: 5, HealthVisitingActive: 52));

        Assert.Equal(Math.Round(132864m / 690, 2), Figures.Node(published, "unitCost.perChild")!.GetValue<decimal>());
        Assert.Null(Figures.Node(published, "unitCost.byService.childrens-centre.perChild"));
        Assert.Null(Figures.Node(published, "unitCost.byService.childrens-centre.childrenReached"));
        Assert.Null(Figures.Node(published, "caseload.childrens-centre.activeChildren"));
        Assert.Equal(50, Figures.Count(published, "unitCost.byService.health-visiting.childrenReached"));
        Assert.Equal(52000m / 50, Figures.Node(published, "unitCost.byService.health-visiting.perChild")!.GetValue<decimal>());
        Assert.Equal(38864m, Figures.Node(published, "unitCost.byService.childrens-centre.annualBudget")!.GetValue<decimal>());
    }

    [Fact]
    public void Savings_pass_unchanged_when_their_share_comes_from_the_published_counts()
    {
        // 600 + 20 = 620 children reached, published as 620; 900 children, all universal: need index 1.
        var raw = new SampleWard("w").Build();
        raw["savings"] = Savings(Share(childrenReached: 620, needIndex: 1m));

        var published = Publish(raw);

        Assert.True(JsonNode.DeepEquals(raw["savings"], published["savings"]));
        Assert.DoesNotContain("savings", Suppressed(published));
    }

    [Theory]
    [InlineData(602, 20, 622, 1.0)] // 622 children reached are published as 620
    [InlineData(3, 0, 3, 1.0)] // 3 are hidden
    [InlineData(600, 20, 620, 1.5)] // the published levels give 1
    public void Savings_whose_share_is_not_from_the_published_counts_are_withheld(int reached, int outside, int shareReached, double needIndex)
    {
        var raw = new SampleWard("w", Reached: reached, Unreached: 300, Outside: outside).Build();
        raw["savings"] = Savings(Share(shareReached, (decimal)needIndex));

        var published = Publish(raw);

        Assert.Null(published["savings"]);
        Assert.Contains("savings", Suppressed(published));
    }

    [Fact]
    public void A_wards_savings_without_a_share_are_withheld_and_an_areas_pass_without_one()
    {
        var wards = new[] { new SampleWard("a").Json(), new SampleWard("b").Json() };
        var area = Figures.Parse(AreaOf(wards));
        area["savings"] = Savings(null);
        var raw = new SampleWard("a").Build();
        raw["savings"] = Savings(null);

        var ward = Publish(raw);
        var published = Figures.Parse(FiguresPublisher.ForCommission(area.ToJsonString(), wards));

        Assert.Null(ward["savings"]);
        Assert.True(JsonNode.DeepEquals(area["savings"], published["savings"]));

        area["savings"] = Savings(Share(childrenReached: 1240, needIndex: 1m));
        Assert.Null(Figures.Parse(FiguresPublisher.ForCommission(area.ToJsonString(), wards))["savings"]);
    }

    [Fact]
    public void A_hidden_reach_shows_nowhere_in_what_the_commission_receives()
    {
        var published = PublishArea(AreaWhereQueensParkReaches(6));

        Assert.Null(Figures.Node(published[0], "unitCost.childrenReached"));
        Assert.All(published, document => Assert.All(Numbers(document, ""), n => Assert.True(n.Value != 6, $"{n.Path} = 6")));
    }

    [Fact]
    public void A_hidden_reach_of_4_or_6_gives_the_commission_the_same_documents()
    {
        var four = PublishArea(AreaWhereQueensParkReaches(4));
        var six = PublishArea(AreaWhereQueensParkReaches(6));

        Assert.Equal(four.Select(d => d.ToJsonString()), six.Select(d => d.ToJsonString()));
        Assert.All(six.Take(4), ward => Assert.NotNull(ward["savings"]));
    }

    [Theory]
    [InlineData(10, 15, 4.4)]
    [InlineData(12, 13, 4.4)] // published as 10 and 15: 4.48 from the responses themselves
    [InlineData(0, 9, 4.0)] // published as 0 and 10
    [InlineData(5, 20, null)] // five hidden, and twenty with it, or responses less twenty would give it away
    public void Satisfaction_is_averaged_to_one_decimal_from_its_published_counts_by_score(int fives, int fours, double? average)
    {
        var published = Publish(new SampleWard("w", ScoredFour: fours, ScoredFive: fives));

        Assert.Equal(average, Figures.Node(published, "champions.satisfaction.childrens-centre.average")?.GetValue<double>());
        Assert.Equal(average is null, Figures.Node(published, "champions.satisfaction.childrens-centre.byScore.4") is null);
    }

    [Fact]
    public void One_more_response_that_moves_no_published_count_leaves_the_satisfaction_published_as_it_was()
    {
        // 26 responses average 3.46 and 27 (one more scoring 1) 3.37: an average of the responses themselves said 3.5, then
        // 3.4, while every count published the same.
        var before = Publish(new SampleWard("w", ScoredOne: 8, ScoredFour: 8, ScoredFive: 10));
        var after = Publish(new SampleWard("w", ScoredOne: 9, ScoredFour: 8, ScoredFive: 10));
        var wards = new[] { new SampleWard("a", ScoredOne: 8, ScoredFour: 8, ScoredFive: 10).Json(), new SampleWard("b").Json() };
        var moreWards = new[] { new SampleWard("a", ScoredOne: 9, ScoredFour: 8, ScoredFive: 10).Json(), new SampleWard("b").Json() };

        Assert.Equal(before.ToJsonString(), after.ToJsonString());
        Assert.Equal(
            FiguresPublisher.ForCommission(AreaOf(wards), wards),
            FiguresPublisher.ForCommission(AreaOf(moreWards), moreWards));
        // From the published 10 ones, 10 fours and 10 fives.
        Assert.Equal(3.3, Figures.Node(before, "champions.satisfaction.childrens-centre.average")!.GetValue<double>());
    }

    [Fact]
    public void Publishing_twice_or_inconsistent_counts_fail_closed()
    {
        var once = FiguresPublisher.ForCommission(new SampleWard("w", Registered: 3).Json());
        var broken = new SampleWard("w").Build();
        broken["reach"]!["known"] = 5;

        Assert.Throws<InvalidOperationException>(() => FiguresPublisher.ForCommission(once));
        Assert.Throws<InvalidOperationException>(() => FiguresPublisher.ForCommission(broken.ToJsonString()));
        Assert.Throws<ArgumentException>(() => FiguresPublisher.ForCommission("[]"));
    }

    [Fact]
    public void No_small_count_and_no_lone_hidden_cell_in_random_areas()
    {
        var random = new Random(20260601);
        for (var run = 0; run < 200; run++)
        {
            var wards = Enumerable.Range(0, 3).Select(i => new SampleWard(
                "w" + i,
                Reached: random.Next(0, 40),
                Unreached: random.Next(0, 20),
                Registered: random.Next(0, 30),
                Outside: random.Next(0, 10),
                C2Numerator: random.Next(0, 12),
                C2Denominator: 12,
                Universal: random.Next(0, 30),
                UniversalPlus: random.Next(0, 9),
                PartnershipPlus: random.Next(0, 9)).Json()).ToArray();
            var documents = wards.Select((w, i) => Figures.Parse(FiguresPublisher.ForCommission(w, wards.Where((_, j) => j != i).ToArray())))
                .Append(Figures.Parse(FiguresPublisher.ForCommission(AreaOf(wards), wards)))
                .ToList();

            foreach (var document in documents)
            {
                foreach (var (path, value) in FiguresLayout.Counts(document))
                {
                    Assert.True(value is null or 0 || (value >= 10 && value % 5 == 0), $"{path} = {value}");
                }

                foreach (var (total, parts) in FiguresLayout.Relations(Figures.Parse(wards[0])))
                {
                    var hidden = parts.Prepend(total).Count(p => Figures.Node(document, p) is null);
                    Assert.True(hidden != 1, $"run {run}: only one of {total} = {string.Join(" + ", parts)} is hidden");
                }
            }

            // Across the area: a hidden ward cell needs another hidden cell among the wards or the area.
            foreach (var (path, _) in FiguresLayout.Counts(Figures.Parse(wards[0])))
            {
                var hidden = documents.Count(d => Figures.Node(d, path) is null);
                Assert.True(hidden != 1, $"run {run}: {path} hidden in only one of the wards and the area");
            }
        }
    }

    /// <summary>
    /// The area's four wards with their shares of its savings, as the grains hand them over, Queen's Park first. Queen's Park
    /// reaches <paramref name="reached"/> children, all on the birth records, of 305 known; its neighbours reach hundreds. With
    /// 4 or 6 the area's sums round alike: 1,804 or 1,806 reached to 1,805, 1,551 or 1,549 unreached to 1,550.
    /// </summary>
    private static List<JsonObject> AreaWhereQueensParkReaches(int reached)
    {
        var wards = new[]
        {
            new SampleWard("queens-park", Reached: reached, Unreached: 305 - reached, Outside: 0),
            new SampleWard("harrow-road", Unreached: 400),
            new SampleWard("westbourne", Unreached: 500),
            new SampleWard("church-street", Unreached: 350),
        }.Select(w => Figures.Parse(w.Json())).ToList(); // through text, as the grains hand documents over
        var area = Catalogue.Area("north-westminster");
        var areaDocument = Builder.BuildArea(area, wards, "default");
        Builder.ShareSavings(area, wards, "default");
        return [.. wards, areaDocument];
    }

    /// <summary>Each ward published with the others as neighbours, then the area with its wards, as the gateway does.</summary>
    private static List<JsonObject> PublishArea(List<JsonObject> documents)
    {
        var wards = documents.Take(4).Select(d => d.ToJsonString(FiguresLayout.JsonOptions)).ToArray();
        return wards.Select(w => FiguresPublisher.ForCommission(w, wards.Where(o => o != w).ToArray()))
            .Append(FiguresPublisher.ForCommission(documents[4].ToJsonString(FiguresLayout.JsonOptions), wards))
            .Select(Figures.Parse)
            .ToList();
    }

    /// <summary>Every number in a document with its path, except the projection's year numbers (0 to 15, not counts).</summary>
    private static IEnumerable<(string Path, decimal Value)> Numbers(JsonNode? node, string path) => node switch
    {
        JsonObject o => o.Where(p => p.Key is not ("year" or "paybackYear")).SelectMany(p => Numbers(p.Value, path + "." + p.Key)),
        JsonArray a => a.SelectMany((item, i) => Numbers(item, $"{path}[{i}]")),
        JsonValue v when v.TryGetValue<decimal>(out var number) => [(path, number)],
        _ => [],
    };

    /// <summary>A savings block; an area's has no share.</summary>
    private static JsonObject Savings(JsonObject? share)
    {
        var savings = new JsonObject
        {
            ["scenario"] = "default",
            ["npv"] = 3100000,
            ["roi"] = 5.2,
            ["paybackYear"] = 1,
            ["byYear"] = new JsonArray(new JsonObject { ["year"] = 1, ["netSaving"] = 100000 }),
        };
        if (share is not null)
        {
            savings["share"] = share;
        }

        return savings;
    }

    private static JsonObject Share(int? childrenReached, decimal needIndex) => new()
    {
        ["benefits"] = 0.25m,
        ["costs"] = 0.25m,
        ["childrenReached"] = childrenReached,
        ["needIndex"] = needIndex,
        ["needWeights"] = new JsonObject { ["universal"] = 1, ["universal-plus"] = 2, ["universal-partnership-plus"] = 3 },
        ["basis"] = "test",
    };

    private static JsonObject Publish(SampleWard ward) => Publish(ward.Build());

    private static JsonObject Publish(JsonObject raw) => Figures.Parse(FiguresPublisher.ForCommission(raw.ToJsonString(FiguresLayout.JsonOptions)));

    private static List<string> Suppressed(JsonObject published) => published["suppressed"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();

    private static string AreaOf(params string[] wards) =>
        FiguresLayout.Derive(FiguresLayout.SumWards("north", wards.Select(Figures.Parse).ToList())).ToJsonString(FiguresLayout.JsonOptions);
}
