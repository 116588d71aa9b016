using System.Globalization;

namespace QpActors.Figures.Indicators;

/// <summary>A reporting period with inclusive <see cref="Start"/> and <see cref="End"/> dates.</summary>
public sealed record ReportingPeriod
{
    private ReportingPeriod(DateOnly start, DateOnly end, string label)
    {
        Start = start;
        End = end;
        Label = label;
    }

    /// <summary>First day of the period (inclusive).</summary>
    public DateOnly Start { get; }

    /// <summary>Last day of the period (inclusive).</summary>
    public DateOnly End { get; }

    /// <summary>How the commission reads the period, e.g. "2017/18 Q1".</summary>
    public string Label { get; }

    /// <summary>A calendar month.</summary>
    public static ReportingPeriod Month(int year, int month)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(month, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(month, 12);
        var start = new DateOnly(year, month, 1);
        return new ReportingPeriod(start, start.AddMonths(1).AddDays(-1), start.ToString("yyyy-MM", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A financial-year quarter as OHID publishes health-visiting metrics: <paramref name="financialYear"/>
    /// is the year the financial year starts in, so <c>Quarter(2017, 1)</c> is April-June 2017 and
    /// <c>Quarter(2017, 4)</c> is January-March 2018.
    /// </summary>
    public static ReportingPeriod Quarter(int financialYear, int quarter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quarter, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quarter, 4);
        var start = new DateOnly(financialYear, 4, 1).AddMonths(3 * (quarter - 1));
        var label = string.Create(CultureInfo.InvariantCulture, $"{financialYear}/{(financialYear + 1) % 100:00} Q{quarter}");
        return new ReportingPeriod(start, start.AddMonths(3).AddDays(-1), label);
    }

    /// <summary>
    /// "The last 12 months" as every figure counts them: the calendar month holding <paramref name="endingOn"/>, up to and
    /// including that day, and the eleven whole calendar months before it. Whole months because contacts and missed
    /// appointments are tallied per calendar month: a year starting mid-month could not be summed from the tallies, and
    /// figures counted from dates (last contact, last seen) use the same months so that they describe the same children.
    /// </summary>
    public static ReportingPeriod Last12Months(DateOnly endingOn)
    {
        var start = new DateOnly(endingOn.Year, endingOn.Month, 1).AddMonths(-11);
        return new ReportingPeriod(start, endingOn, string.Create(CultureInfo.InvariantCulture, $"12 calendar months, {start:yyyy-MM-dd} to {endingOn:yyyy-MM-dd}"));
    }

    /// <summary>True when <paramref name="date"/> falls within the period, both ends included.</summary>
    public bool Contains(DateOnly date) => date >= Start && date <= End;
}
