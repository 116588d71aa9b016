namespace QpActors.Figures.Indicators;

/// <summary>Computes the Healthy Child Programme indicators (C1, C2, C3, C4, C5, C6i, C6ii, C8i) for a period.</summary>
public static class IndicatorCalculator
{
    private static readonly Lazy<IndicatorDefinitions> Default = new(IndicatorDefinitions.LoadDefault);

    /// <summary>The shipped definitions, read once.</summary>
    internal static IndicatorDefinitions DefaultDefinitions => Default.Value;

    /// <summary>Indicators under the shipped definitions (<c>Data/indicators.v2.json</c>).</summary>
    public static IReadOnlyDictionary<string, IndicatorValue> Compute(IEnumerable<ChildIndicatorInput> children, ReportingPeriod period) =>
        Compute(children, period, Default.Value);

    /// <summary>
    /// Indicators under the given definitions, keyed by indicator id in file order.
    /// Raw counts: pass them through <see cref="Disclosure.SmallNumberRule"/> before they leave the system.
    /// </summary>
    /// <exception cref="ArgumentException">The same child id appears twice (it would be counted twice).</exception>
    public static IReadOnlyDictionary<string, IndicatorValue> Compute(
        IEnumerable<ChildIndicatorInput> children,
        ReportingPeriod period,
        IndicatorDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(children);
        ArgumentNullException.ThrowIfNull(period);
        ArgumentNullException.ThrowIfNull(definitions);

        var born = new List<ChildIndicatorInput>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in children)
        {
            if (!ids.Add(child.ChildId))
            {
                throw new ArgumentException($"Child '{child.ChildId}' appears more than once.", nameof(children));
            }

            if (child.DateOfBirth is not null)
            {
                born.Add(child);
            }
        }

        var numerators = new Dictionary<string, List<ChildIndicatorInput>>(StringComparer.Ordinal);
        var values = new Dictionary<string, IndicatorValue>(StringComparer.Ordinal);
        foreach (var definition in definitions.Indicators)
        {
            IReadOnlyList<ChildIndicatorInput> denominator = definition.Cohort is { } cohort
                ? born.Where(c => period.Contains(cohort.TurnsAge.From(c.DateOfBirth!.Value)) && (!cohort.OnlyChildrenOwedTheReview || Owes(c, definition.Review))).ToList()
                : numerators[definition.DenominatorIndicator!];
            var numerator = denominator.Where(c => Meets(definition, c)).ToList();
            numerators[definition.Id] = numerator;
            values[definition.Id] = IndicatorValue.Of(numerator.Count, denominator.Count);
        }

        return values;
    }

    private static bool Meets(IndicatorDefinition definition, ChildIndicatorInput child)
    {
        if (ReviewDate(child, definition.Review) is not { } on)
        {
            return false;
        }

        var born = child.DateOfBirth!.Value;
        if (definition.Window is { } window)
        {
            if (window.From is { } from && on < from.From(born))
            {
                return false;
            }

            if (window.To is { } to && on > to.From(born))
            {
                return false;
            }
        }

        if (definition.MinGestationWeeks is { } minWeeks && !(GestationWeeksAt(child, on) >= minWeeks))
        {
            return false;
        }

        // indicators.v1's C6ii: any ASQ-3 at a 2-2½ year review, whenever. indicators.v2 counts the ASQ-3 review's own date
        // against its window instead ("2-year-with-asq3").
        return !definition.RequiresAsq3 || child.TwoYearReviewWithAsq3On is not null;
    }

    private static DateOnly? ReviewDate(ChildIndicatorInput child, string review) => review switch
    {
        "antenatal" => child.AntenatalContactOn,
        "new-birth" => child.NewBirthVisitOn,
        "6-8-week" => child.SixToEightWeekReviewOn,
        "1-year" => child.OneYearReviewOn,
        "2-year" => child.TwoYearReviewOn,
        "2-year-with-asq3" => child.TwoYearReviewWithAsq3On,
        _ => throw new InvalidOperationException($"Unknown review '{review}'."),
    };

    /// <summary>Whether the child was owed the review: only the antenatal contact can be owed to no one (born by the day pregnancy reached 28 weeks).</summary>
    private static bool Owes(ChildIndicatorInput child, string review) => review != "antenatal" || child.AntenatalContactOwed;

    /// <summary>
    /// Completed weeks of pregnancy at <paramref name="on"/>: as recorded, else derived from the expected due date
    /// (due date = 40 weeks + 0 days). Null when neither is known, so an undated pregnancy never counts as "28 weeks or above".
    /// </summary>
    internal static int? GestationWeeksAt(ChildIndicatorInput child, DateOnly on)
    {
        if (child.AntenatalGestationWeeks is { } recorded)
        {
            return recorded;
        }

        if (child.ExpectedDueDate is not { } due)
        {
            return null;
        }

        var gestationDays = 280 - (due.DayNumber - on.DayNumber);
        return (int)Math.Floor(gestationDays / 7.0);
    }
}
