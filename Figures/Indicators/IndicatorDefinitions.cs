namespace QpActors.Figures.Indicators;

/// <summary>The indicator definitions file (<c>Data/indicators.v2.json</c>): what each indicator counts and over which children.</summary>
public sealed record IndicatorDefinitions(
    string Version,
    IReadOnlyList<string> Notes,
    string Source,
    IReadOnlyList<IndicatorDefinition> Indicators)
{
    /// <summary>The reviews an indicator can count; "2-year-with-asq3" is the first 2-2½ year review that used ASQ-3.</summary>
    internal static readonly string[] ReviewIds = ["antenatal", "new-birth", "6-8-week", "1-year", "2-year", "2-year-with-asq3"];

    // v1 stays beside it: the figures kept before v2 (month-end history) were counted under it.
    private const string FileName = "indicators.v2.json";

    /// <summary>The definitions shipped with the library.</summary>
    public static IndicatorDefinitions LoadDefault()
    {
        using var stream = DataFile.OpenEmbedded(FileName);
        return Load(stream);
    }

    /// <summary>Definitions from a stream (e.g. a revised file); validated before use.</summary>
    public static IndicatorDefinitions Load(Stream stream) => DataFile.Read<IndicatorDefinitions>(stream, FileName).Validated();

    /// <summary>Definitions from a file path.</summary>
    public static IndicatorDefinitions LoadFile(string path) => DataFile.ReadFile<IndicatorDefinitions>(path, path).Validated();

    private IndicatorDefinitions Validated()
    {
        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in Indicators)
        {
            if (!seen.Add(d.Id))
            {
                errors.Add($"{d.Id}: defined twice");
            }

            if ((d.Cohort is null) == (d.DenominatorIndicator is null))
            {
                errors.Add($"{d.Id}: needs exactly one of 'cohort' or 'denominatorIndicator'");
            }

            // Only earlier indicators can be referenced, so the calculator can work in file order.
            if (d.DenominatorIndicator is { } basis && (basis == d.Id || !seen.Contains(basis)))
            {
                errors.Add($"{d.Id}: denominatorIndicator '{basis}' must be an indicator defined earlier in the file");
            }

            if (!ReviewIds.Contains(d.Review))
            {
                errors.Add($"{d.Id}: review '{d.Review}' is not one of {string.Join(", ", ReviewIds)}");
            }
        }

        return errors.Count == 0
            ? this
            : throw new InvalidDataException($"{FileName} ({Version}) is invalid: {string.Join("; ", errors)}");
    }
}

/// <summary>
/// One indicator. The denominator is either a cohort (children who reach an age within the period) or the
/// numerator of an earlier indicator; the numerator is the part of the denominator whose review date falls
/// in the window.
/// </summary>
public sealed record IndicatorDefinition(
    string Id,
    string Title,
    string Numerator,
    string Denominator,
    string Review,
    string Source,
    IndicatorCohort? Cohort = null,
    string? DenominatorIndicator = null,
    AgeWindow? Window = null,
    int? MinGestationWeeks = null,
    bool RequiresAsq3 = false,
    string? Notes = null);

/// <summary>Children who reach <see cref="TurnsAge"/> on a day within the period (age 0 days = born in the period).</summary>
/// <param name="OnlyChildrenOwedTheReview">
/// Only the children owed the indicator's review: C1 leaves out a baby born by the day pregnancy reached 28 weeks, whose antenatal
/// contact "from 28 weeks" could never be given (the review schedule owes it none either).
/// </param>
public sealed record IndicatorCohort(AgeOffset TurnsAge, bool OnlyChildrenOwedTheReview = false);

/// <summary>Inclusive bounds on the review date, as ages; a missing bound is open.</summary>
public sealed record AgeWindow(AgeOffset? From = null, AgeOffset? To = null);

/// <summary>An age: months are added first (calendar months, clamped at month end), then days. Negative means before birth.</summary>
public sealed record AgeOffset(int Months = 0, int Days = 0)
{
    /// <summary>The date a child born on <paramref name="dateOfBirth"/> reaches this age.</summary>
    public DateOnly From(DateOnly dateOfBirth) => dateOfBirth.AddMonths(Months).AddDays(Days);
}
