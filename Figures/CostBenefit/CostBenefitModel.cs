using System.Text.Json;

namespace QpActors.Figures.CostBenefit;

/// <summary>One year of the projection (pounds; year 0 = set-up).</summary>
/// <param name="GrossBenefitByAgency">Avoided spending before deadweight, by agency (nhs, council, schools).</param>
/// <param name="Deadweight">The part of the gross benefit that would have happened anyway.</param>
/// <param name="FiscalSavingByAgency">Gross benefit less deadweight, by agency.</param>
/// <param name="Cost">The model's own cost as estimated.</param>
/// <param name="OptimismBiasAdjustedCost">Cost x (1 + optimism bias).</param>
/// <param name="NetSaving">Gross benefit - deadweight - adjusted cost, undiscounted: the line compared with the pilot's business case.</param>
/// <param name="DiscountFactor">1 / (1 + rate)^year, compounding across rate bands.</param>
/// <param name="PresentValue">NetSaving x DiscountFactor.</param>
/// <param name="CumulativeNpv">Sum of present values from year 0 to this year.</param>
public sealed record YearProjection(
    int Year,
    IReadOnlyDictionary<string, decimal> GrossBenefitByAgency,
    decimal GrossBenefit,
    decimal Deadweight,
    IReadOnlyDictionary<string, decimal> FiscalSavingByAgency,
    decimal Cost,
    decimal OptimismBiasAdjustedCost,
    decimal NetSaving,
    decimal DiscountFactor,
    decimal PresentValue,
    decimal CumulativeNpv);

/// <summary>The projection for one scenario over the horizon.</summary>
/// <param name="Scenario">The named scenario applied.</param>
/// <param name="AssumptionsVersion">The data file version the assumptions came from.</param>
/// <param name="Overridden">Whether a posted override changed the scenario's assumptions.</param>
/// <param name="Npv">Net present value: the sum of the years' present values.</param>
/// <param name="Roi">Return on investment: NPV / present value of adjusted costs (0.5 = 50p back per £1 on top of the £1); null without costs.</param>
/// <param name="BenefitCostRatio">Present value of benefits after deadweight / present value of adjusted costs; null without costs.</param>
/// <param name="PaybackYear">First year the cumulative NPV is above zero; null if it never is within the horizon.</param>
public sealed record SavingsProjection(
    string Scenario,
    string AssumptionsVersion,
    bool Overridden,
    IReadOnlyList<YearProjection> ByYear,
    decimal PresentValueBenefits,
    decimal PresentValueCosts,
    decimal Npv,
    decimal? Roi,
    decimal? BenefitCostRatio,
    int? PaybackYear);

/// <summary>Projects fiscal savings, NPV, ROI and payback from <see cref="CostBenefitAssumptions"/>.</summary>
public static class CostBenefitModel
{
    /// <summary>The projection under a named scenario (<c>default</c> leaves the assumptions as they are).</summary>
    /// <exception cref="KeyNotFoundException">No scenario of that name.</exception>
    public static SavingsProjection Project(CostBenefitAssumptions assumptions, string scenario = "default")
    {
        ArgumentNullException.ThrowIfNull(assumptions);
        return Run(assumptions.ForScenario(scenario), scenario, overridden: false);
    }

    /// <summary>The projection under a named scenario with a posted partial override on top (see <see cref="CostBenefitAssumptions.WithOverrides"/>).</summary>
    /// <exception cref="KeyNotFoundException">No scenario of that name.</exception>
    /// <exception cref="CostBenefitValidationException">The override is invalid.</exception>
    public static SavingsProjection Project(CostBenefitAssumptions assumptions, string scenario, JsonElement overrides)
    {
        ArgumentNullException.ThrowIfNull(assumptions);
        return Run(assumptions.ForScenario(scenario).WithOverrides(overrides), scenario, overridden: true);
    }

    /// <summary>
    /// One part of a projection: every benefit line (gross by agency, deadweight) times <paramref name="benefitShare"/>, every
    /// cost line times <paramref name="costShare"/>; net saving, present values, NPV, ROI and payback recomputed from those.
    /// The model is linear in units avoided and in costs, so parts whose shares add up to 1 add up to the whole.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A share below 0 or above 1.</exception>
    public static SavingsProjection Allocate(SavingsProjection whole, decimal benefitShare, decimal costShare)
    {
        ArgumentNullException.ThrowIfNull(whole);
        ArgumentOutOfRangeException.ThrowIfNegative(benefitShare);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(benefitShare, 1m);
        ArgumentOutOfRangeException.ThrowIfNegative(costShare);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(costShare, 1m);
        var rows = new List<YearProjection>(whole.ByYear.Count);
        decimal cumulative = 0, pvBenefits = 0, pvCosts = 0;
        int? payback = null;
        foreach (var year in whole.ByYear)
        {
            var gross = year.GrossBenefitByAgency.ToDictionary(g => g.Key, g => g.Value * benefitShare);
            var fiscal = year.FiscalSavingByAgency.ToDictionary(g => g.Key, g => g.Value * benefitShare);
            var grossTotal = year.GrossBenefit * benefitShare;
            var deadweight = year.Deadweight * benefitShare;
            var cost = year.Cost * costShare;
            var adjustedCost = year.OptimismBiasAdjustedCost * costShare;
            var net = grossTotal - deadweight - adjustedCost;
            var presentValue = net * year.DiscountFactor;
            cumulative += presentValue;
            pvBenefits += (grossTotal - deadweight) * year.DiscountFactor;
            pvCosts += adjustedCost * year.DiscountFactor;
            if (payback is null && cumulative > 0)
            {
                payback = year.Year;
            }

            rows.Add(new YearProjection(year.Year, gross, grossTotal, deadweight, fiscal, cost, adjustedCost, net, year.DiscountFactor, presentValue, cumulative));
        }

        return whole with
        {
            ByYear = rows,
            PresentValueBenefits = pvBenefits,
            PresentValueCosts = pvCosts,
            Npv = cumulative,
            Roi = pvCosts == 0 ? null : cumulative / pvCosts,
            BenefitCostRatio = pvCosts == 0 ? null : pvBenefits / pvCosts,
            PaybackYear = payback,
        };
    }

    private static SavingsProjection Run(CostBenefitAssumptions a, string scenario, bool overridden)
    {
        var rows = new List<YearProjection>(a.HorizonYears + 1);
        decimal cumulative = 0, pvBenefits = 0, pvCosts = 0;
        int? payback = null;
        for (var year = 0; year <= a.HorizonYears; year++)
        {
            var gross = CostBenefitAssumptions.Agencies.ToDictionary(agency => agency, _ => 0m);
            if (year >= 1)
            {
                foreach (var (line, units) in a.PhaseFor(year).AvoidedPerYear)
                {
                    var item = a.UnitCosts[line];
                    gross[item.Agency] += units * item.UnitCost * a.BenefitScale.Factor;
                }
            }

            var grossTotal = gross.Values.Sum();
            var deadweight = grossTotal * a.Deadweight.Rate;
            var fiscal = gross.ToDictionary(g => g.Key, g => g.Value * (1 - a.Deadweight.Rate));
            var cost = year == 0 ? a.Costs.SetUp : a.Costs.AnnualRunning;
            var adjustedCost = cost * (1 + a.OptimismBias.Rate);
            var net = grossTotal - deadweight - adjustedCost;
            var factor = a.DiscountRates.FactorFor(year);
            var presentValue = net * factor;
            cumulative += presentValue;
            pvBenefits += (grossTotal - deadweight) * factor;
            pvCosts += adjustedCost * factor;
            if (payback is null && cumulative > 0)
            {
                payback = year;
            }

            rows.Add(new YearProjection(year, gross, grossTotal, deadweight, fiscal, cost, adjustedCost, net, factor, presentValue, cumulative));
        }

        return new SavingsProjection(
            scenario,
            a.Version,
            overridden,
            rows,
            pvBenefits,
            pvCosts,
            cumulative,
            pvCosts == 0 ? null : cumulative / pvCosts,
            pvCosts == 0 ? null : pvBenefits / pvCosts,
            payback);
    }
}
