using System.Text.Json.Nodes;
using QpActors.Figures.Publishing;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>Ward and area figures from real recorded events, on the shared cluster (its clock never moves).</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class WardFiguresTests(SharedCluster shared)
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(Cluster.Start.UtcDateTime);

    private IGrainFactory Grains => shared.Cluster.Client;

    [Fact]
    public async Task A_ward_like_the_pilot_has_the_pilots_reach_and_unit_cost()
    {
        var events = new Events(shared.Cluster.Clock, "pilot");
        var births = Enumerable.Range(0, 1020)
            .Select(i => events.Birth($"pilot-f{i}", $"pilot-c{i}", Today.AddDays(-30 - (i % 700)), "queens-park"))
            .ToList();
        await Events.RecordAllAsync(Grains, births);
        await Events.RecordAllAsync(Grains, births.Take(692).Select(b => events.Registered(b.FamilyId!, b.ChildId!, Cluster.Start.AddDays(-2))));

        await shared.Cluster.DrainAsync();
        var document = await Figures.WardAsync(Grains, "queens-park");

        Assert.Equal(1020, Figures.Count(document, "reach.known"));
        Assert.Equal(692, Figures.Count(document, "reach.registered"));
        Assert.Equal(328, Figures.Count(document, "reach.unreached"));
        Assert.Equal(32.2, Figures.Node(document, "reach.unreachedPercent")!.GetValue<double>());
        Assert.Equal(192.00m, Figures.Node(document, "unitCost.perChild")!.GetValue<decimal>());
        Assert.Equal(132864m, Figures.Node(document, "unitCost.annualBudget")!.GetValue<decimal>());
        Assert.False(document["synthetic"]!.GetValue<bool>());

        var published = Figures.Parse(FiguresPublisher.ForCommission(document.ToJsonString()));
        Assert.Equal(690, Figures.Count(published, "reach.registered"));
        Assert.Equal(330, Figures.Count(published, "reach.unreached"));

        await Events.RecordAllAsync(Grains, births.Skip(692).Select(b => events.Registered(b.FamilyId!, b.ChildId!, Cluster.Start.AddDays(-1))));
        await shared.Cluster.DrainAsync();
        var full = await Figures.WardAsync(Grains, "queens-park");
        Assert.Equal(0, Figures.Count(full, "reach.unreached"));
        var atFullReach = Figures.Node(full, "unitCost.perChild")!.GetValue<decimal>();
        Assert.InRange(atFullReach, 132m * 0.98m, 132m * 1.02m);

        var report = await Grains.GetGrain<IWardGrain>("queens-park").ReconcileAsync();
        Assert.Equal(2040, report.EntitiesChecked);
    }

    [Fact]
    public async Task Reach_and_the_unreached_infants_are_the_wards_under_fives()
    {
        // The brief: reach is of the under-fives living in the area. A child on the birth records who turned five has left
        // the children's centre's population: not unreached, and not one of the infants champions are sent to find.
        var tag = "u5-" + Guid.NewGuid().ToString("N")[..8];
        var ward = "ward-" + tag;
        var events = new Events(shared.Cluster.Clock, tag);
        await Events.RecordAllAsync(Grains,
        [
            events.Birth($"{tag}-f1", $"{tag}-infant", Today.AddDays(-20), ward),
            events.Birth($"{tag}-f2", $"{tag}-four", Today.AddYears(-5).AddDays(1), ward),
            events.Birth($"{tag}-f3", $"{tag}-five", Today.AddYears(-5), ward),
            events.Birth($"{tag}-f4", $"{tag}-six-registered", Today.AddYears(-6), ward),
        ]);
        await Events.RecordAllAsync(Grains, [events.Registered($"{tag}-f4", $"{tag}-six-registered", Cluster.Start.AddYears(-6).AddDays(20))]);
        await shared.Cluster.DrainAsync();

        var document = await Figures.WardAsync(Grains, ward);
        CallerContext.Set(new Caller("eit-u5", Roles.EarlyIntervention, [ward], null, null));
        IReadOnlyList<UnreachedInfant> unreached;
        try
        {
            unreached = await Grains.GetGrain<IWardGrain>(ward).GetUnreachedAsync();
        }
        finally
        {
            CallerContext.Clear();
        }

        Assert.Equal((2, 0, 0, 2), (Figures.Count(document, "reach.known"), Figures.Count(document, "reach.registered"),
            Figures.Count(document, "reach.reached"), Figures.Count(document, "reach.unreached")));
        Assert.Equal([$"{tag}-four", $"{tag}-infant"], unreached.Select(u => u.ChildId));
    }

    [Fact]
    public async Task A_new_birth_visit_recorded_before_the_birth_does_not_hide_the_real_one_from_C2()
    {
        // At an antenatal contact the phone recorded "new-birth" by mistake; the real visit came on day 12. The commission's
        // C2 (within 14 days) counts the real visit, as the child's review schedule shows it done on time.
        var tag = "nbv-" + Guid.NewGuid().ToString("N")[..8];
        var ward = "ward-" + tag;
        var events = new Events(shared.Cluster.Clock, tag);
        var born = Today.AddDays(-40);
        var birthday = new DateTimeOffset(born.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);
        await Events.RecordAllAsync(Grains,
        [
            events.Birth($"{tag}-f", $"{tag}-c", born, ward),
            events.Review($"{tag}-f", $"{tag}-c", "new-birth", birthday.AddDays(-20)),
            events.Review($"{tag}-f", $"{tag}-c", "new-birth", birthday.AddDays(12)),
        ]);
        await shared.Cluster.DrainAsync();

        var document = await Figures.WardAsync(Grains, ward);

        Assert.Equal((1, 1, 0), (Figures.Count(document, "indicators.C2.numerator"), Figures.Count(document, "indicators.C2.denominator"),
            Figures.Count(document, "indicators.C3.numerator")));
    }

    [Fact]
    public async Task Caseload_need_and_champions_come_from_recorded_events()
    {
        const string ward = "harrow-road";
        var events = new Events(shared.Cluster.Clock, "case");
        var may = Cluster.Start.AddDays(-20);
        var june = Cluster.Start.AddHours(-2);
        List<Domain.Events.ContactEvent> contacts =
        [
            events.Birth("case-f1", "case-c1", Today.AddDays(-40), ward),
            events.Birth("case-f1", "case-c2", Today.AddDays(-40), ward),
            events.Birth("case-f2", "case-c3", Today.AddDays(-200), ward),
            events.Review("case-f1", "case-c1", "6-8-week", may),
            events.Review("case-f1", "case-c2", "6-8-week", june),
            events.Missed("case-f2", "case-c3", may),
            events.Referral("case-f2", "case-c3", "r-1", may, accepted: false),
            events.Registered("case-f2", "case-c3", june),
            events.Concern("case-f2", "housing", may),
            events.Level("case-f2", "universal-plus", june),
            events.Outreach("case-f1", "champion-1", "childrens-centre", may),
            events.Survey("case-f1", "champion-1", "childrens-centre", 4, may),
            events.Survey("case-f2", "champion-1", "childrens-centre", 5, may),
        ];
        foreach (var contact in contacts)
        {
            var receipt = await Events.RecordAsync(Grains, contact);
            Assert.True(receipt.Status == ReceiptStatus.Accepted, $"{contact.Type}: {string.Join("; ", receipt.Errors.Select(p => $"{p.Field}: {p.Message}"))}");
        }

        await shared.Cluster.DrainAsync();
        var document = await Figures.WardAsync(Grains, ward);

        Assert.Equal(1, Figures.Count(document, "need.familiesBySetLevel.universal-plus"));
        Assert.Equal(1, Figures.Count(document, "champions.outreachContacts"));
        Assert.Equal(2, Figures.Count(document, "champions.satisfaction.childrens-centre.responses"));
        var visiting = document["caseload"]!["health-visiting"]!;
        // The referral is a health-visiting contact too (recorded by the service), so all three children are active.
        Assert.Equal(3, visiting["activeChildren"]!.GetValue<int>());
        Assert.Equal(2, visiting["activeFamilies"]!.GetValue<int>());
        Assert.Equal(1, visiting["contactsThisMonth"]!.GetValue<int>());
        Assert.Equal(3, visiting["contactsLast12Months"]!.GetValue<int>());
        Assert.Equal(1, visiting["missedAppointments"]!.GetValue<int>());
        Assert.Equal(0.25, visiting["missedAppointmentRate"]!.GetValue<double>());
        Assert.Equal(1, visiting["referralsMade"]!.GetValue<int>());
        Assert.Equal(3, Figures.Count(document, "caseload.midwifery.activeChildren"));
        Assert.Equal(2, Figures.Count(document, "caseload.midwifery.activeFamilies"));
        Assert.Equal(1, Figures.Count(document, "caseload.childrens-centre.activeChildren"));
        Assert.Equal(2, Figures.Count(document, "need.families"));
        Assert.Equal(1, Figures.Count(document, "need.familiesBySetLevel.not-set"));
        Assert.Equal(1, Figures.Count(document, "need.childrenBySetLevel.universal-plus"));
        Assert.Equal(1, Figures.Count(document, "need.openConcerns.housing"));
        Assert.Equal(1, Figures.Count(document, "champions.familiesSignposted"));
        Assert.Equal(4.5, Figures.Node(document, "champions.satisfaction.childrens-centre.average")!.GetValue<double>());
        Assert.Equal(3, Figures.Count(document, "reach.known"));
        Assert.Equal(1, Figures.Count(document, "reach.registered"));
    }

    [Theory]
    [InlineData("month", "2026-05-01", "2026-05-31", 1, 1, 1, 0)]
    [InlineData("quarter", "2026-04-01", "2026-06-30", 1, 1, 1, 0)]
    [InlineData("rolling-12-months", "2025-06-01", "2026-05-31", 2, 1, 2, 1)]
    public async Task The_period_selects_which_children_the_indicators_count(
        string period, string start, string end, int c2Denominator, int c2Numerator, int c3Denominator, int c3Numerator)
    {
        var ward = "period-" + period;
        var events = new Events(shared.Cluster.Clock, ward);
        await Events.RecordAllAsync(Grains,
        [
            events.Birth(ward + "-f1", ward + "-a", new DateOnly(2026, 4, 20), ward),
            events.Review(ward + "-f1", ward + "-a", "new-birth", Events.At(new DateOnly(2026, 4, 28))),
            events.Birth(ward + "-f2", ward + "-b", new DateOnly(2026, 3, 1), ward),
            events.Review(ward + "-f2", ward + "-b", "new-birth", Events.At(new DateOnly(2026, 3, 25))),
        ]);
        var query = new FiguresQuery(period, new DateOnly(2026, 5, 31), "default");
        await shared.Cluster.DrainAsync();
        var whole = await Figures.WardAsync(Grains, ward);
        Assert.Equal(2, Figures.Count(whole, "indicators.C2.numerator") + Figures.Count(whole, "indicators.C3.numerator"));

        var document = await Figures.WardAsync(Grains, ward, query);

        Assert.Equal(period, Figures.Node(document, "period.name")!.GetValue<string>());
        Assert.Equal(start, Figures.Node(document, "period.start")!.GetValue<string>());
        Assert.Equal(end, Figures.Node(document, "period.end")!.GetValue<string>());
        Assert.Equal("2026-05-31", document["asOf"]!.GetValue<string>());
        Assert.Equal(c2Denominator, Figures.Count(document, "indicators.C2.denominator"));
        Assert.Equal(c2Numerator, Figures.Count(document, "indicators.C2.numerator"));
        Assert.Equal(c3Denominator, Figures.Count(document, "indicators.C3.denominator"));
        Assert.Equal(c3Numerator, Figures.Count(document, "indicators.C3.numerator"));
        Assert.False(document["configured"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Unknown_scenarios_periods_wards_and_areas_are_clear_errors()
    {
        var ward = Grains.GetGrain<IWardGrain>("queens-park");

        var scenario = await Assert.ThrowsAsync<FiguresQueryException>(() => ward.GetFiguresAsync(new FiguresQuery("month", null, "no-such-scenario")));
        var period = await Assert.ThrowsAsync<FiguresQueryException>(() => ward.GetFiguresAsync(new FiguresQuery("fortnight", null, "default")));
        var noWard = await Assert.ThrowsAsync<FiguresNotFoundException>(() => Grains.GetGrain<IWardGrain>("nowhere-at-all").GetFiguresAsync(Figures.Default));
        var noArea = await Assert.ThrowsAsync<FiguresNotFoundException>(() => Grains.GetGrain<IAreaGrain>("south-nowhere").GetFiguresAsync(Figures.Default));
        var areaScenario = await Assert.ThrowsAsync<FiguresQueryException>(() => Grains.GetGrain<IAreaGrain>("north-westminster").GetFiguresAsync(new FiguresQuery("month", null, "nope")));

        Assert.Equal("scenario", scenario.Field);
        Assert.Contains("pessimistic", scenario.Message, StringComparison.Ordinal);
        Assert.Equal("period", period.Field);
        Assert.Equal("nowhere-at-all", noWard.Key);
        Assert.Equal("south-nowhere", noArea.Key);
        Assert.Equal("scenario", areaScenario.Field);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("pessimistic")]
    public async Task Savings_follow_the_scenario_and_each_ward_has_its_share_of_the_areas(string scenario)
    {
        var query = new FiguresQuery("month", null, scenario);
        var area = await Grains.GetGrain<IAreaGrain>("north-westminster").GetFiguresAsync(query);
        var savings = Figures.Parse(area.Document)["savings"]!;
        var ward = Figures.Parse((await Grains.GetGrain<IWardGrain>("westbourne").GetFiguresAsync(query)).Document)["savings"]!;

        Assert.Equal(scenario, savings["scenario"]!.GetValue<string>());
        Assert.Equal(scenario, ward["scenario"]!.GetValue<string>());
        Assert.Equal(16, savings["byYear"]!.AsArray().Count);
        Assert.Equal(16, ward["byYear"]!.AsArray().Count);
        var yearOne = savings["byYear"]![1]!["netSaving"]!.GetValue<decimal>();
        if (scenario == "default")
        {
            Assert.InRange(yearOne, 95000m, 105000m);
        }
        else
        {
            Assert.True(yearOne < 95000m, $"pessimistic year 1 is {yearOne}");
        }

        // The wards' parts add up to the area's projection (to the pound, each part rounded on its own).
        var wards = area.WardDocuments!.Select(Figures.Parse).ToList();
        Assert.Equal(4, wards.Count);
        Assert.InRange(wards.Sum(w => w["savings"]!["byYear"]![1]!["netSaving"]!.GetValue<decimal>()), yearOne - 4, yearOne + 4);
        Assert.InRange(wards.Sum(w => w["savings"]!["share"]!["costs"]!.GetValue<decimal>()), 0.99999m, 1.00001m);
        Assert.True(ward["byYear"]![1]!["netSaving"]!.GetValue<decimal>() < yearOne);
        Assert.NotNull(ward["share"]!["benefits"]);
        Assert.NotNull(savings["npv"]);
        Assert.NotNull(savings["roi"]);
    }

    [Fact]
    public async Task An_area_sums_its_wards_counts_and_recomputes_its_ratios()
    {
        var events = new Events(shared.Cluster.Clock, "area");
        await Events.RecordAllAsync(Grains, Enumerable.Range(0, 9).Select(i => events.Birth($"area-f{i}", $"area-c{i}", Today.AddDays(-10), "church-street")));
        await shared.Cluster.DrainAsync();
        Assert.Equal(9, Figures.Count(await Figures.WardAsync(Grains, "church-street"), "reach.known"));

        var area = await Grains.GetGrain<IAreaGrain>("north-westminster").GetFiguresAsync(Figures.Default);
        var document = Figures.Parse(area.Document);
        var wards = area.WardDocuments!.Select(Figures.Parse).ToList();

        Assert.Equal(["queens-park", "harrow-road", "westbourne", "church-street"], area.WardCodes);
        Assert.Equal(area.WardCodes, document["wards"]!.AsArray().Select(w => w!.GetValue<string>()));
        Assert.Equal("north-westminster", document["areaId"]!.GetValue<string>());
        foreach (var (path, value) in FiguresLayout.Counts(document))
        {
            Assert.Equal(wards.Sum(w => Figures.Node(w, path) is { } n ? n.GetValue<int>() : 0), value);
        }

        var known = Figures.Count(document, "reach.known");
        var registered = Figures.Count(document, "reach.registered");
        Assert.Equal(Math.Round(100.0 * registered / known, 1), Figures.Node(document, "reach.registeredPercent")!.GetValue<double>());
        var budget = wards.Sum(w => Figures.Node(w, "unitCost.annualBudget")!.GetValue<decimal>());
        Assert.Equal(budget, Figures.Node(document, "unitCost.annualBudget")!.GetValue<decimal>());
        var reached = Figures.Count(document, "unitCost.childrenReached");
        Assert.Equal(reached == 0 ? null : Math.Round(budget / reached, 2), Figures.Node(document, "unitCost.perChild")?.GetValue<decimal>());

        var published = Figures.Parse(FiguresPublisher.ForCommission(area.Document, area.WardDocuments));
        Assert.True(published["published"]!.GetValue<bool>());
        var wardFigures = await Grains.GetGrain<IWardGrain>("church-street").GetFiguresAsync(Figures.Default);
        Assert.Equal(3, wardFigures.NeighbourDocuments!.Count);
        Assert.DoesNotContain(wardFigures.NeighbourDocuments, d => Figures.Parse(d)["wardCode"]!.GetValue<string>() == "church-street");
    }

    [Fact]
    public async Task Synthetic_records_mark_the_document()
    {
        const string ward = "synthetic-ward";
        var events = new Events(shared.Cluster.Clock, "syn");
        await Events.RecordAsync(Grains, events.Birth("syn-f1", "syn-c1", Today.AddDays(-5), ward));

        await shared.Cluster.DrainAsync();
        var document = await Figures.WardAsync(Grains, ward);

        Assert.Equal(1, Figures.Count(document, "reach.known"));
        Assert.True(document["synthetic"]!.GetValue<bool>());
        Assert.Empty(document["suppressed"]!.AsArray());
        Assert.IsType<JsonArray>(document["notes"]);
    }
}
