using QpActors.Figures.Indicators;

namespace QpActors.Figures.Tests.Indicators;

public sealed class ReportingPeriodTests
{
    [Theory]
    [InlineData(2025, 1, "2025-01-01", "2025-01-31")]
    [InlineData(2024, 2, "2024-02-01", "2024-02-29")]
    [InlineData(2025, 2, "2025-02-01", "2025-02-28")]
    [InlineData(2025, 12, "2025-12-01", "2025-12-31")]
    public void Month_covers_the_calendar_month(int year, int month, string start, string end)
    {
        var period = ReportingPeriod.Month(year, month);

        Assert.Equal(DateOnly.Parse(start), period.Start);
        Assert.Equal(DateOnly.Parse(end), period.End);
    }

    [Theory]
    [InlineData(2017, 1, "2017-04-01", "2017-06-30", "2017/18 Q1")]
    [InlineData(2017, 2, "2017-07-01", "2017-09-30", "2017/18 Q2")]
    [InlineData(2017, 3, "2017-10-01", "2017-12-31", "2017/18 Q3")]
    [InlineData(2017, 4, "2018-01-01", "2018-03-31", "2017/18 Q4")]
    [InlineData(2099, 4, "2100-01-01", "2100-03-31", "2099/00 Q4")]
    public void Quarter_is_a_financial_quarter_starting_in_April(int year, int quarter, string start, string end, string label)
    {
        var period = ReportingPeriod.Quarter(year, quarter);

        Assert.Equal(DateOnly.Parse(start), period.Start);
        Assert.Equal(DateOnly.Parse(end), period.End);
        Assert.Equal(label, period.Label);
    }

    [Theory]
    [InlineData("2025-03-31", "2024-04-01")]
    [InlineData("2025-02-28", "2024-03-01")]
    [InlineData("2025-02-27", "2024-03-01")] // not 28 February 2024: the year holds whole months
    [InlineData("2024-02-29", "2023-03-01")]
    [InlineData("2026-05-20", "2025-06-01")] // not 21 May 2025
    [InlineData("2025-01-01", "2024-02-01")]
    public void Last12Months_is_the_month_of_the_day_given_and_the_eleven_before(string endingOn, string start)
    {
        var end = DateOnly.Parse(endingOn);

        var period = ReportingPeriod.Last12Months(end);

        Assert.Equal(DateOnly.Parse(start), period.Start);
        Assert.Equal(end, period.End);
        Assert.Contains(start, period.Label, StringComparison.Ordinal);
    }

    [Fact]
    public void Last12Months_always_starts_on_the_first_of_the_month_eleven_months_back()
    {
        for (var end = new DateOnly(2022, 12, 1); end <= new DateOnly(2025, 3, 31); end = end.AddDays(1))
        {
            var period = ReportingPeriod.Last12Months(end);

            Assert.Equal(1, period.Start.Day);
            Assert.Equal(11, ((end.Year - period.Start.Year) * 12) + end.Month - period.Start.Month);
        }
    }

    [Fact]
    public void Contains_includes_both_ends()
    {
        var q = ReportingPeriod.Quarter(2024, 1);

        Assert.True(q.Contains(new DateOnly(2024, 4, 1)));
        Assert.True(q.Contains(new DateOnly(2024, 6, 30)));
        Assert.False(q.Contains(new DateOnly(2024, 3, 31)));
        Assert.False(q.Contains(new DateOnly(2024, 7, 1)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Quarter_outside_1_to_4_is_rejected(int quarter) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ReportingPeriod.Quarter(2024, quarter));

    [Theory]
    [InlineData(0)]
    [InlineData(13)]
    public void Month_outside_1_to_12_is_rejected(int month) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ReportingPeriod.Month(2024, month));
}
