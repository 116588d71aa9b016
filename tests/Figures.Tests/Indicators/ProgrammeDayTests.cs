using QpActors.Domain;
using QpActors.Figures.Indicators;
using QpActors.Figures.Reach;

namespace QpActors.Figures.Tests.Indicators;

/// <summary>
/// The figures count dates; the grains give them the programme's days (<see cref="ProgrammeCalendar"/>). These pin
/// that the two agree at the edges: a contact just after midnight British Summer Time, and the last 12 months.
/// </summary>
public sealed class ProgrammeDayTests
{
    private static readonly ProgrammeCalendar London = ProgrammeCalendar.QueensPark;

    [Theory]
    [InlineData("2025-05-31T23:30:00+00:00")]
    [InlineData("2025-06-01T00:30:00+01:00")]
    public void A_contact_at_half_past_midnight_bst_on_1_june_is_in_junes_figures(string at)
    {
        var day = London.DayOf(DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(ReportingPeriod.Month(2025, 6).Contains(day));
        Assert.False(ReportingPeriod.Month(2025, 5).Contains(day));
        Assert.True(ReportingPeriod.Quarter(2025, 1).Contains(day));
    }

    [Fact]
    public void A_child_seen_at_half_past_midnight_bst_on_1_june_2025_was_seen_in_the_twelve_months_to_31_may_2026()
    {
        var seen = London.DayOf(new DateTimeOffset(2025, 5, 31, 23, 30, 0, TimeSpan.Zero));

        var reach = ReachCalculator.Compute([new ReachInput("c-1", true, null, seen)], new DateOnly(2026, 5, 31));
        var aDayLater = ReachCalculator.Compute([new ReachInput("c-1", true, null, seen)], new DateOnly(2026, 6, 1));

        Assert.Equal(1, reach.Seen12Months);
        Assert.Equal(0, aDayLater.Seen12Months);
    }
}
