using System.Globalization;

namespace QpActors.Domain.Tests;

public sealed class ProgrammeCalendarTests
{
    private static readonly ProgrammeCalendar London = ProgrammeCalendar.QueensPark;

    private static DateTimeOffset Instant(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    private static DateOnly Date(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("2025-05-31T23:30:00+00:00", "2025-06-01")] // 00:30 British Summer Time
    [InlineData("2025-06-01T00:30:00+01:00", "2025-06-01")] // the same instant as a phone in BST sends it
    [InlineData("2025-05-31T19:30:00-04:00", "2025-06-01")] // and as a server in New York would state it
    [InlineData("2025-05-31T22:59:59+00:00", "2025-05-31")]
    [InlineData("2024-12-31T23:30:00+00:00", "2024-12-31")] // winter: Greenwich Mean Time, so the day in UTC
    [InlineData("2025-01-01T00:30:00+01:00", "2024-12-31")] // a phone still on +01:00 in winter
    [InlineData("2025-01-01T00:00:00+00:00", "2025-01-01")]
    public void A_day_is_the_date_on_londons_clocks(string instant, string day)
    {
        Assert.Equal(Date(day), London.DayOf(Instant(instant)));
    }

    [Theory]
    [InlineData("2025-05-31T23:30:00Z")]
    [InlineData("2025-03-30T00:59:59Z")]
    [InlineData("2025-03-30T01:00:00Z")]
    [InlineData("2025-10-26T00:30:00Z")]
    [InlineData("2025-10-26T01:30:00Z")]
    public void The_same_instant_in_any_offset_falls_on_the_same_day(string instant)
    {
        var utc = Instant(instant);

        foreach (var hours in new[] { -12, -4, 0, 1, 2, 14 })
        {
            Assert.Equal(London.DayOf(utc), London.DayOf(utc.ToOffset(TimeSpan.FromHours(hours))));
        }
    }

    [Fact]
    public void The_day_the_clocks_go_forward_has_23_hours()
    {
        // 30 March 2025: 01:00 GMT becomes 02:00 BST.
        var start = London.StartOf(new DateOnly(2025, 3, 30));
        var next = London.StartOf(new DateOnly(2025, 3, 31));

        Assert.Equal(Instant("2025-03-30T00:00:00Z"), start);
        Assert.Equal(Instant("2025-03-31T00:00:00+01:00"), next);
        Assert.Equal(TimeSpan.FromHours(1), next.Offset);
        Assert.Equal(TimeSpan.FromHours(23), next - start);
        Assert.Equal(new DateOnly(2025, 3, 30), London.DayOf(Instant("2025-03-30T22:59:59Z")));
        Assert.Equal(new DateOnly(2025, 3, 31), London.DayOf(Instant("2025-03-30T23:00:00Z")));
    }

    [Fact]
    public void The_day_the_clocks_go_back_has_25_hours()
    {
        // 26 October 2025: 02:00 BST becomes 01:00 GMT, so 01:00-02:00 on London's clocks comes twice, both on the 26th.
        var start = London.StartOf(new DateOnly(2025, 10, 26));
        var next = London.StartOf(new DateOnly(2025, 10, 27));

        Assert.Equal(Instant("2025-10-25T23:00:00Z"), start);
        Assert.Equal(Instant("2025-10-27T00:00:00Z"), next);
        Assert.Equal(TimeSpan.FromHours(25), next - start);
        Assert.Equal(new DateOnly(2025, 10, 26), London.DayOf(Instant("2025-10-26T00:30:00Z")));
        Assert.Equal(new DateOnly(2025, 10, 26), London.DayOf(Instant("2025-10-26T01:30:00Z")));
    }

    [Theory]
    [InlineData("Europe/London")]
    [InlineData("UTC")]
    [InlineData("America/Havana")] // its clocks change at midnight: some days start at 01:00, some midnights come twice
    [InlineData("America/Santiago")]
    [InlineData("Pacific/Kiritimati")]
    public void Every_day_starts_at_its_first_instant(string zone)
    {
        var calendar = ProgrammeCalendar.ForTimeZone(zone);

        for (var day = new DateOnly(2023, 1, 1); day <= new DateOnly(2026, 12, 31); day = day.AddDays(1))
        {
            var start = calendar.StartOf(day);
            Assert.Equal(day, calendar.DayOf(start));
            Assert.Equal(day.AddDays(-1), calendar.DayOf(start.AddTicks(-1)));
        }
    }

    [Theory]
    [InlineData("Europe/London")]
    [InlineData("America/Havana")]
    [InlineData("Australia/Lord_Howe")] // its clocks move by half an hour
    [InlineData("Asia/Kathmandu")] // +05:45
    [InlineData("Pacific/Apia")] // skipped 30 December 2011 altogether
    public void A_day_is_the_date_the_zone_gives_at_every_quarter_hour_and_just_before_it(string zone)
    {
        // Clocks change on quarter hours (UTC), so this meets every change from both sides.
        var calendar = ProgrammeCalendar.ForTimeZone(zone);
        var info = TimeZoneInfo.FindSystemTimeZoneById(zone);
        for (var at = new DateTimeOffset(2011, 12, 1, 0, 0, 0, TimeSpan.Zero); at < new DateTimeOffset(2012, 1, 15, 0, 0, 0, TimeSpan.Zero); at = at.AddMinutes(15))
        {
            Assert.Equal(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, info).DateTime), calendar.DayOf(at));
        }

        for (var at = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero); at < new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero); at = at.AddMinutes(15))
        {
            Assert.Equal(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, info).DateTime), calendar.DayOf(at));
            Assert.Equal(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at.AddTicks(-1), info).DateTime), calendar.DayOf(at.AddTicks(-1)));
        }
    }

    [Theory]
    [InlineData("Europe/Londn")]
    [InlineData("")]
    [InlineData("Queen's Park")]
    public void An_unknown_time_zone_is_a_clear_error(string zone)
    {
        var error = Assert.Throws<ArgumentException>(() => ProgrammeCalendar.ForTimeZone(zone));

        Assert.Contains($"'{zone}' is not a time zone this machine knows", error.Message, StringComparison.Ordinal);
        Assert.Contains("Europe/London", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2025-02-28", 12, "2024-03-01")]
    [InlineData("2024-02-29", 12, "2023-03-01")]
    [InlineData("2024-02-28", 12, "2023-03-01")] // a year back from 29 February is not 28 February
    [InlineData("2025-05-31", 12, "2024-06-01")]
    [InlineData("2024-11-30", 3, "2024-09-01")]
    [InlineData("2025-05-29", 3, "2025-03-01")]
    [InlineData("2025-05-20", 1, "2025-04-21")]
    public void The_months_ending_on_a_day_start_the_day_after_it_that_many_months_earlier(string lastDay, int months, string firstDay)
    {
        Assert.Equal(Date(firstDay), ProgrammeCalendar.FirstDayOfMonthsEndingOn(Date(lastDay), months));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(12)]
    public void A_day_leaves_the_months_ending_on_later_days_once_and_for_good(int months)
    {
        for (var day = new DateOnly(2023, 1, 1); day <= new DateOnly(2025, 12, 31); day = day.AddDays(1))
        {
            var leaves = ProgrammeCalendar.FirstDayOutsideMonths(day, months);

            Assert.True(ProgrammeCalendar.FirstDayOfMonthsEndingOn(leaves, months) > day, $"{day} is still held on {leaves}");
            Assert.True(ProgrammeCalendar.FirstDayOfMonthsEndingOn(leaves.AddDays(-1), months) <= day, $"{day} left before {leaves}");
            Assert.True(ProgrammeCalendar.FirstDayOfMonthsEndingOn(day.AddDays(1), months) <= ProgrammeCalendar.FirstDayOfMonthsEndingOn(day.AddDays(2), months));
        }
    }
}
