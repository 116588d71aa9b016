namespace QpActors.Figures.Reach;

/// <summary>Unit cost of one service (or of the whole system): budget over children reached, in pounds to the penny.</summary>
/// <param name="PerChild">Null when no child was reached (the cost per child is undefined, not zero).</param>
public sealed record UnitCostFigure(string Id, string Name, decimal AnnualBudget, int ChildrenReached, decimal? PerChild);

/// <summary>Unit cost per service and for the whole system.</summary>
public sealed record UnitCostReport(IReadOnlyList<UnitCostFigure> ByService, UnitCostFigure WholeSystem);

/// <summary>Unit cost per child = configured annual budget / children reached.</summary>
public static class UnitCost
{
    /// <summary>
    /// Budget per child reached, rounded to the penny; null when <paramref name="childrenReached"/> is 0.
    /// The pilot: 132,864 / 692 = £192; the same budget at full reach, 132,864 / 1,006 = £132.07.
    /// </summary>
    public static decimal? Compute(decimal annualBudget, int childrenReached)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(annualBudget);
        ArgumentOutOfRangeException.ThrowIfNegative(childrenReached);
        return childrenReached == 0 ? null : Math.Round(annualBudget / childrenReached, 2, MidpointRounding.AwayFromZero);
    }

    /// <summary>
    /// Per-service unit costs for a ward, and the whole system's: the ward's total budget over the distinct children
    /// any service reached (<paramref name="childrenReachedBySystem"/>, not the sum of the per-service counts,
    /// which would count a child once per service).
    /// </summary>
    /// <exception cref="ArgumentException">A reach count names a service the ward does not have.</exception>
    public static UnitCostReport Compute(
        WardServices ward,
        IReadOnlyDictionary<string, int> childrenReachedByService,
        int childrenReachedBySystem) =>
        Compute(ward.Id, ward.Name, ward.Services, childrenReachedByService, childrenReachedBySystem);

    /// <summary>Per-service and whole-system unit costs for any set of services (e.g. an area's, summed by service).</summary>
    public static UnitCostReport Compute(
        string systemId,
        string systemName,
        IEnumerable<ServiceBudget> services,
        IReadOnlyDictionary<string, int> childrenReachedByService,
        int childrenReachedBySystem)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(childrenReachedByService);
        var list = services.ToList();
        var unknown = childrenReachedByService.Keys.Except(list.Select(s => s.Id)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Reach given for unknown services: {string.Join(", ", unknown)}.", nameof(childrenReachedByService));
        }

        var byService = list
            .Select(s =>
            {
                var reached = childrenReachedByService.GetValueOrDefault(s.Id);
                return new UnitCostFigure(s.Id, s.Name, s.AnnualBudget, reached, Compute(s.AnnualBudget, reached));
            })
            .ToList();
        var budget = list.Sum(s => s.AnnualBudget);
        return new UnitCostReport(byService, new UnitCostFigure(systemId, systemName, budget, childrenReachedBySystem, Compute(budget, childrenReachedBySystem)));
    }
}
