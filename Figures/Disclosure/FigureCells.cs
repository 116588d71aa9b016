using QpActors.Figures.Indicators;

namespace QpActors.Figures.Disclosure;

/// <summary>Puts the library's figures into a <see cref="DisclosureTable"/> with the relations between them declared.</summary>
public static class FigureCells
{
    /// <summary>
    /// Adds "scope/known", "scope/registered", "scope/seen-12-months", "scope/reached", "scope/unreached" and
    /// "scope/reached-outside-birth-records", with known = reached + unreached (publishing both would otherwise
    /// reveal a hidden third).
    /// </summary>
    public static DisclosureTable AddReach(this DisclosureTable table, string scope, Reach.Reach reach)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(reach);
        return table
            .Add(DisclosureTable.Key(scope, "known"), reach.Known)
            .Add(DisclosureTable.Key(scope, "registered"), reach.Registered)
            .Add(DisclosureTable.Key(scope, "seen-12-months"), reach.Seen12Months)
            .Add(DisclosureTable.Key(scope, "reached"), reach.Reached)
            .Add(DisclosureTable.Key(scope, "unreached"), reach.Unreached)
            .Add(DisclosureTable.Key(scope, "reached-outside-birth-records"), reach.ReachedOutsideBirthRecords)
            .AddTotal(DisclosureTable.Key(scope, "known"), DisclosureTable.Key(scope, "reached"), DisclosureTable.Key(scope, "unreached"));
    }

    /// <summary>
    /// Adds "scope/{id}/numerator" and "scope/{id}/denominator" for each indicator. Cells that count the same children
    /// (C2 and C3 share a cohort; C6ii's denominator is C6i's numerator) are declared equal, so hiding one hides the other.
    /// </summary>
    public static DisclosureTable AddIndicators(
        this DisclosureTable table,
        string scope,
        IReadOnlyDictionary<string, IndicatorValue> values,
        IndicatorDefinitions? definitions = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (id, value) in values)
        {
            table.Add(Numerator(scope, id), value.Numerator).Add(Denominator(scope, id), value.Denominator);
        }

        var defs = (definitions ?? IndicatorCalculator.DefaultDefinitions).Indicators.Where(d => values.ContainsKey(d.Id)).ToList();
        foreach (var (definition, i) in defs.Select((d, i) => (d, i)))
        {
            if (definition.DenominatorIndicator is { } basis && values.ContainsKey(basis))
            {
                table.AddTotal(Denominator(scope, definition.Id), Numerator(scope, basis));
            }
            else if (defs.Take(i).FirstOrDefault(d => d.Cohort is not null && d.Cohort == definition.Cohort) is { } sameCohort)
            {
                table.AddTotal(Denominator(scope, definition.Id), Denominator(scope, sameCohort.Id));
            }
        }

        return table;
    }

    /// <summary>The key of an indicator's numerator cell.</summary>
    public static string Numerator(string scope, string indicatorId) => DisclosureTable.Key(scope, indicatorId + "/numerator");

    /// <summary>The key of an indicator's denominator cell.</summary>
    public static string Denominator(string scope, string indicatorId) => DisclosureTable.Key(scope, indicatorId + "/denominator");
}
