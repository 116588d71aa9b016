using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using QpActors.Figures.CostBenefit;

namespace QpActors.Figures.Tests.CostBenefit;

public sealed class CostBenefitModelTests
{
    private static readonly CostBenefitAssumptions Defaults = CostBenefitAssumptions.LoadDefault();

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private static SavingsProjection With(string overrides) => CostBenefitModel.Project(Defaults, "default", Json(overrides));

    [Theory]
    [InlineData(1, 100_000)]
    [InlineData(5, 100_000)]
    [InlineData(6, 350_000)]
    [InlineData(10, 350_000)]
    [InlineData(11, 442_000)]
    [InlineData(15, 442_000)]
    public void Default_assumptions_reproduce_the_pilot_business_case_within_5_percent(int year, double businessCase)
    {
        var net = CostBenefitModel.Project(Defaults).ByYear.Single(y => y.Year == year).NetSaving;

        Assert.InRange((double)net, businessCase * 0.95, businessCase * 1.05);
    }

    [Fact]
    public void The_file_states_the_calibration_and_every_year_meets_it()
    {
        var calibration = Defaults.Calibration;
        var projection = CostBenefitModel.Project(Defaults);

        Assert.Equal("netSaving", calibration.ComparedLine);
        Assert.Equal([100_000m, 350_000m, 442_000m], calibration.Targets.Select(t => t.NetSaving));
        foreach (var year in projection.ByYear.Where(y => y.Year >= 1))
        {
            var target = calibration.Targets.Single(t => year.Year >= t.FromYear && (t.ToYear is null || year.Year <= t.ToYear));
            Assert.True(Math.Abs(year.NetSaving - target.NetSaving) <= target.NetSaving * calibration.Tolerance, $"year {year.Year}: {year.NetSaving}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(30)]
    public void Discount_factor_is_one_over_1_035_to_the_year(int year)
    {
        var projection = With("""{ "horizonYears": 30 }""");

        Assert.Equal(1 / Math.Pow(1.035, year), (double)projection.ByYear[year].DiscountFactor, 12);
    }

    [Fact]
    public void Years_after_30_are_discounted_at_3_percent()
    {
        var byYear = With("""{ "horizonYears": 40 }""").ByYear;

        Assert.Equal(41, byYear.Count);
        Assert.Equal((double)byYear[30].DiscountFactor / 1.03, (double)byYear[31].DiscountFactor, 12);
        Assert.Equal(1 / Math.Pow(1.035, 30) / Math.Pow(1.03, 10), (double)byYear[40].DiscountFactor, 12);
    }

    [Fact]
    public void Deadweight_comes_off_benefits_and_optimism_bias_goes_on_costs()
    {
        var projection = CostBenefitModel.Project(Defaults);
        var year0 = projection.ByYear[0];
        var year1 = projection.ByYear[1];

        Assert.Equal(170_000m, year1.GrossBenefit);
        Assert.Equal(34_000m, year1.Deadweight);
        Assert.Equal(30_000m, year1.Cost);
        Assert.Equal(36_000m, year1.OptimismBiasAdjustedCost);
        Assert.Equal(100_000m, year1.NetSaving);
        Assert.Equal((0m, 40_000m, 48_000m, -48_000m), (year0.GrossBenefit, year0.Cost, year0.OptimismBiasAdjustedCost, year0.NetSaving));

        var heavier = With("""{ "deadweight": { "rate": 0.5 }, "optimismBias": { "rate": 1.0 } }""").ByYear[1];
        Assert.Equal(85_000m, heavier.Deadweight);
        Assert.Equal(60_000m, heavier.OptimismBiasAdjustedCost);
        Assert.Equal(170_000m - 85_000m - 60_000m, heavier.NetSaving);
    }

    [Fact]
    public void Savings_are_split_by_the_agency_that_pays()
    {
        var byYear = CostBenefitModel.Project(Defaults).ByYear;

        Assert.Equal(["nhs", "council", "schools"], byYear[1].GrossBenefitByAgency.Keys);
        Assert.Equal((65_000m, 105_000m, 0m), (byYear[1].GrossBenefitByAgency["nhs"], byYear[1].GrossBenefitByAgency["council"], byYear[1].GrossBenefitByAgency["schools"]));
        Assert.Equal(117_500m, byYear[6].GrossBenefitByAgency["schools"]);
        Assert.Equal(52_000m, byYear[1].FiscalSavingByAgency["nhs"]);
        Assert.All(byYear, y => Assert.Equal(y.GrossBenefit - y.Deadweight, y.FiscalSavingByAgency.Values.Sum()));
    }

    [Fact]
    public void Present_values_accumulate_into_the_NPV_and_ROI()
    {
        var projection = CostBenefitModel.Project(Defaults);
        var running = 0m;
        foreach (var year in projection.ByYear)
        {
            Assert.Equal(year.NetSaving * year.DiscountFactor, year.PresentValue);
            running += year.PresentValue;
            Assert.Equal(running, year.CumulativeNpv);
        }

        var pvCosts = projection.ByYear.Sum(y => y.OptimismBiasAdjustedCost * y.DiscountFactor);
        Assert.Equal(16, projection.ByYear.Count);
        Assert.Equal(running, projection.Npv);
        Assert.Equal(pvCosts, projection.PresentValueCosts, 10);
        Assert.Equal(projection.Npv / pvCosts, projection.Roi!.Value, 10);
        Assert.Equal(projection.PresentValueBenefits / pvCosts, projection.BenefitCostRatio!.Value, 10);
        Assert.InRange(projection.Npv, 3_000_000m, 4_000_000m);
        Assert.Equal(1, projection.PaybackYear);
    }

    [Theory]
    [InlineData(30_000, 1)]
    [InlineData(150_000, 7)]
    [InlineData(700_000, null)]
    public void Payback_is_the_first_year_the_cumulative_NPV_turns_positive(int annualRunning, int? paybackYear)
    {
        var projection = With($$"""{ "costs": { "annualRunning": {{annualRunning}} } }""");

        Assert.Equal(paybackYear, projection.PaybackYear);
        if (paybackYear is { } year)
        {
            Assert.True(projection.ByYear[year].CumulativeNpv > 0);
            Assert.True(projection.ByYear[year - 1].CumulativeNpv <= 0);
        }
    }

    [Fact]
    public void Named_scenarios_change_the_results()
    {
        var npv = new[] { "pessimistic", "budget-cut-20", "default", "optimistic" }
            .Select(s => CostBenefitModel.Project(Defaults, s))
            .ToList();

        Assert.Equal(["pessimistic", "budget-cut-20", "default", "optimistic"], npv.Select(p => p.Scenario));
        Assert.True(npv[0].Npv < npv[1].Npv && npv[1].Npv < npv[2].Npv && npv[2].Npv < npv[3].Npv);
        Assert.Equal(170_000m * 0.8m * 0.8m - 24_000m * 1.2m, npv[1].ByYear[1].NetSaving);
        Assert.All(npv, p => Assert.False(p.Overridden));
        Assert.Throws<KeyNotFoundException>(() => CostBenefitModel.Project(Defaults, "utopia"));
    }

    [Fact]
    public void A_posted_override_applies_on_top_of_a_scenario()
    {
        var projection = CostBenefitModel.Project(Defaults, "budget-cut-20", Json("""{ "costs": { "annualRunning": 0 } }"""));

        Assert.True(projection.Overridden);
        Assert.Equal("budget-cut-20", projection.Scenario);
        Assert.Equal(170_000m * 0.8m * 0.8m, projection.ByYear[1].NetSaving);
    }

    [Fact]
    public void An_override_can_add_and_remove_unit_cost_lines()
    {
        var projection = With("""
            {
              "unitCosts": { "dental-extraction": { "name": "Tooth extraction under general anaesthetic", "agency": "nhs", "unit": "extraction", "unitCost": 1000, "source": "test" } },
              "phases": { "years-1-5": { "avoidedPerYear": { "dental-extraction": 10, "ae-attendance": null } } }
            }
            """);

        Assert.Equal(65_000m - 44_000m + 10_000m, projection.ByYear[1].GrossBenefitByAgency["nhs"]);
        Assert.Equal(72_000m + 45_000m, projection.ByYear[11].GrossBenefitByAgency["nhs"]);
    }

    [Fact]
    public void Overrides_leave_the_original_assumptions_alone()
    {
        var changed = Defaults.WithOverrides(Json("""{ "deadweight": { "rate": 0.9 } }"""));

        Assert.Equal(0.9m, changed.Deadweight.Rate);
        Assert.Equal(0.2m, Defaults.Deadweight.Rate);
        Assert.Equal(Defaults.Version, changed.Version);
    }

    [Theory]
    [InlineData("""{ "deadweight": { "rat": 0.3 } }""", "deadweight.rat", "unknown field")]
    [InlineData("""{ "discount": 0.03 }""", "discount", "unknown field")]
    [InlineData("""{ "deadweight": { "rate": "high" } }""", "deadweight.rate", "expected a number")]
    [InlineData("""{ "deadweight": 0.3 }""", "deadweight", "expected an object")]
    [InlineData("""{ "deadweight": { "rate": 1.5 } }""", "deadweight.rate", "between 0 and 1")]
    [InlineData("""{ "horizonYears": 0 }""", "horizonYears", "between 1 and 75")]
    [InlineData("""{ "costs": { "setUp": -1 } }""", "costs.setUp", "negative")]
    [InlineData("""{ "version": "mine" }""", "version", "cannot be overridden")]
    [InlineData("""{ "scenarios": {} }""", "scenarios", "cannot be overridden")]
    [InlineData("""{ "unitCosts": { "ae-attendance": { "agency": "police" } } }""", "unitCosts.ae-attendance.agency", "nhs, council, schools")]
    [InlineData("""{ "phases": { "years-1-5": { "avoidedPerYear": { "dentist": 3 } } } }""", "phases.years-1-5.avoidedPerYear.dentist", "not a unit cost")]
    [InlineData("""{ "phases": { "years-6-10": { "toYear": 12 } } }""", "phases", "more than one phase")]
    [InlineData("""{ "phases": { "years-6-10": null } }""", "phases", "year 6 is in no phase")]
    [InlineData("""{ "discountRates": { "bands": [ { "fromYear": 0, "toYear": 10, "rate": 0.035 } ] } }""", "discountRates.bands", "cover every year")]
    [InlineData("""{ "unitCosts": { "new-line": { "name": "x" } } }""", "unitCosts.new-line", "missing required properties")]
    [InlineData("""[1, 2]""", "", "must be a JSON object")]
    public void Invalid_overrides_are_rejected_with_the_field_and_the_reason(string overrides, string field, string message)
    {
        var ex = Assert.Throws<CostBenefitValidationException>(() => Defaults.WithOverrides(Json(overrides)));

        Assert.Contains(ex.Errors, e => e.Field == field && e.Message.Contains(message, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Every_problem_in_an_override_is_listed_at_once()
    {
        var ex = Assert.Throws<CostBenefitValidationException>(() =>
            Defaults.WithOverrides(Json("""{ "deadweight": { "rat": 0.3 }, "optimismBias": { "rate": true }, "notes": [] }""")));

        Assert.Equal(["deadweight.rat", "notes", "optimismBias.rate"], ex.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    /// <summary>An unknown or mistyped field does not hide a value out of range elsewhere in the same override.</summary>
    [Fact]
    public void Wrong_values_are_listed_beside_unknown_and_mistyped_fields()
    {
        var ex = Assert.Throws<CostBenefitValidationException>(() =>
            Defaults.WithOverrides(Json("""{ "mystery": 1, "optimismBias": { "rate": "high" }, "deadweight": { "rate": 7 }, "costs": { "setUp": -5 } }""")));

        Assert.Equal(["costs.setUp", "deadweight.rate", "mystery", "optimismBias.rate"], ex.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_file_with_a_broken_scenario_does_not_load()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "cost-benefit.v1.json")))!;
        file["scenarios"]!["reckless"] = JsonNode.Parse("""{ "notes": "n", "overrides": { "deadweight": { "rate": -1 } } }""");

        var ex = Assert.Throws<CostBenefitValidationException>(() =>
            CostBenefitAssumptions.Load(new MemoryStream(Encoding.UTF8.GetBytes(file.ToJsonString()))));

        Assert.Equal("scenarios.reckless.overrides.deadweight.rate", Assert.Single(ex.Errors).Field);
    }

    [Fact]
    public void The_copy_beside_the_assembly_matches_the_embedded_default()
    {
        var fromFile = CostBenefitAssumptions.LoadFile(Path.Combine(AppContext.BaseDirectory, "Data", "cost-benefit.v1.json"));

        Assert.Equal("cost-benefit.v1", fromFile.Version);
        Assert.Equal(CostBenefitModel.Project(Defaults).Npv, CostBenefitModel.Project(fromFile).Npv);
        Assert.Equal(["default", "pessimistic", "optimistic", "budget-cut-20"], fromFile.Scenarios.Keys);
        Assert.All(fromFile.UnitCosts.Values, u => Assert.False(string.IsNullOrWhiteSpace(u.Source)));
    }

    [Fact]
    public void The_whole_allocated_to_one_part_is_the_whole()
    {
        var whole = CostBenefitModel.Project(Defaults);

        var part = CostBenefitModel.Allocate(whole, 1m, 1m);

        Assert.Equal(whole.ByYear.Select(y => y.NetSaving), part.ByYear.Select(y => y.NetSaving));
        Assert.Equal(whole.Npv, part.Npv);
        Assert.Equal(whole.Roi, part.Roi);
        Assert.Equal(whole.PaybackYear, part.PaybackYear);
    }

    [Fact]
    public void Parts_whose_shares_add_up_to_one_add_up_to_the_whole()
    {
        var whole = CostBenefitModel.Project(Defaults, "pessimistic");

        var a = CostBenefitModel.Allocate(whole, 0.3m, 0.6m);
        var b = CostBenefitModel.Allocate(whole, 0.7m, 0.4m);

        foreach (var year in whole.ByYear)
        {
            var (x, y) = (a.ByYear[year.Year], b.ByYear[year.Year]);
            Assert.Equal(year.NetSaving, x.NetSaving + y.NetSaving, 8);
            Assert.Equal(year.Deadweight, x.Deadweight + y.Deadweight, 8);
            Assert.Equal(year.OptimismBiasAdjustedCost, x.OptimismBiasAdjustedCost + y.OptimismBiasAdjustedCost, 8);
            Assert.Equal(year.FiscalSavingByAgency["council"], x.FiscalSavingByAgency["council"] + y.FiscalSavingByAgency["council"], 8);
        }

        Assert.Equal(whole.Npv, a.Npv + b.Npv, 8);
        Assert.Equal(whole.PresentValueCosts, a.PresentValueCosts + b.PresentValueCosts, 8);

        // Benefits and costs split differently, so the parts earn differently: ROI and payback are recomputed, not copied.
        Assert.True(b.Roi > whole.Roi && whole.Roi > a.Roi, $"{a.Roi} {whole.Roi} {b.Roi}");
        Assert.Equal(b.PresentValueBenefits / b.PresentValueCosts, b.BenefitCostRatio);
    }

    [Fact]
    public void A_part_with_costs_and_no_benefits_never_pays_back()
    {
        var part = CostBenefitModel.Allocate(CostBenefitModel.Project(Defaults), 0m, 0.25m);

        Assert.All(part.ByYear, y => Assert.Equal(0m, y.GrossBenefit));
        Assert.Equal(-30_000m * 1.2m * 0.25m, part.ByYear[1].NetSaving);
        Assert.Null(part.PaybackYear);
        Assert.True(part.Npv < 0);
    }

    [Theory]
    [InlineData(-0.1, 0.5)]
    [InlineData(1.1, 0.5)]
    [InlineData(0.5, -0.1)]
    [InlineData(0.5, 1.1)]
    public void Shares_outside_zero_to_one_are_refused(double benefits, double costs) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CostBenefitModel.Allocate(CostBenefitModel.Project(Defaults), (decimal)benefits, (decimal)costs));

    [Fact]
    public void Ward_need_weights_are_in_the_file_and_can_be_varied_like_any_assumption()
    {
        Assert.Equal(new Dictionary<string, decimal> { ["universal"] = 1m, ["universal-plus"] = 2m, ["universal-partnership-plus"] = 3m }, Defaults.WardShares!.NeedWeights);

        var varied = Defaults.WithOverrides(Json("""{ "wardShares": { "needWeights": { "universal-partnership-plus": 5 } } }"""));
        var negative = Assert.Throws<CostBenefitValidationException>(() => Defaults.WithOverrides(Json("""{ "wardShares": { "needWeights": { "universal-plus": -1 } } }""")));

        Assert.Equal(5m, varied.WardShares!.NeedWeights["universal-partnership-plus"]);
        Assert.Equal(2m, varied.WardShares.NeedWeights["universal-plus"]);
        Assert.Equal("wardShares.needWeights.universal-plus", Assert.Single(negative.Errors).Field);
    }
}
