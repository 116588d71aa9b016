namespace QpActors.Simulation.Generation;

/// <summary>
/// What to generate: the wards, how many children (null = each preset's births per year over the period),
/// the period [Start, End) with End as the as-of date, and how often phones send late or twice.
/// </summary>
public sealed record GeneratorOptions(
    int Seed,
    IReadOnlyList<string> Wards,
    int? Children,
    DateOnly Start,
    DateOnly End,
    double LateFraction = 0.05,
    double DuplicateFraction = 0.02)
{
    /// <summary>The programme's calendar, whose dates the generated events carry (Europe/London unless set).</summary>
    public ProgrammeDays Calendar { get; init; } = ProgrammeDays.QueensPark;

    /// <summary>Nothing occurs or is sent after this instant: the start of <see cref="End"/> on the programme's clocks.</summary>
    public DateTimeOffset AsOf => Calendar.StartOf(End);

    /// <summary>The first instant of the period: the start of <see cref="Start"/> on the programme's clocks.</summary>
    public DateTimeOffset StartsAt => Calendar.StartOf(Start);

    public double Years => (End.DayNumber - Start.DayNumber) / 365.25;

    /// <summary>
    /// The period of <paramref name="years"/> ending today on the programme's calendar (a seed's default): the UTC date
    /// would be yesterday's between the programme's midnight and midnight UTC.
    /// </summary>
    public static (DateOnly Start, DateOnly End) EndingToday(TimeProvider clock, ProgrammeDays calendar, int years)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return Ending(calendar.Today(clock), years);
    }

    /// <summary>The period of <paramref name="years"/> ending on <paramref name="end"/>.</summary>
    public static (DateOnly Start, DateOnly End) Ending(DateOnly end, int years) => (end.AddYears(-years), end);

    /// <summary>The Queen's Park pilot: four years from April 2012, about 1,020 births.</summary>
    public static GeneratorOptions QueensParkPilot(int seed = 42) =>
        new(seed, ["queens-park"], null, new DateOnly(2012, 4, 1), new DateOnly(2016, 4, 1));

    internal void Validate()
    {
        if (Wards.Count == 0)
        {
            throw new ArgumentException("at least one ward is required", nameof(Wards));
        }

        if (Wards.Distinct(StringComparer.Ordinal).Count() != Wards.Count)
        {
            throw new ArgumentException("wards must not repeat", nameof(Wards));
        }

        // The wire format refuses events before 2000; pregnancies are booked up to 36 weeks before a birth.
        if (Start < new DateOnly(2001, 1, 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Start), Start, "the period must start in 2001 or later");
        }

        if (End <= Start)
        {
            throw new ArgumentOutOfRangeException(nameof(End), End, "the as-of date must be after the start");
        }

        if (Children is { } children && children < Wards.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(Children), children, "need at least one child per ward");
        }

        if (LateFraction is < 0 or > 0.9 || DuplicateFraction is < 0 or > 0.9)
        {
            throw new ArgumentOutOfRangeException(nameof(LateFraction), "late and duplicate fractions must be between 0 and 0.9");
        }
    }
}
