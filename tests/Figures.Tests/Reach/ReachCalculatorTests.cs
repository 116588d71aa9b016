using QpActors.Figures.Reach;

namespace QpActors.Figures.Tests.Reach;

public sealed class ReachCalculatorTests
{
    private static readonly DateOnly AsOf = new(2025, 3, 31);

    [Theory]
    [InlineData("2025-05-25", 0)] // within a year of the day, but in May 2025: before the twelve calendar months
    [InlineData("2025-06-01", 1)]
    [InlineData("2026-05-20", 1)]
    public void Seen_in_the_last_12_months_to_a_day_mid_month_starts_on_the_first_of_a_month(string lastSeen, int seen)
    {
        var reach = ReachCalculator.Compute([new ReachInput("c", true, null, DateOnly.Parse(lastSeen))], new DateOnly(2026, 5, 20));

        Assert.Equal(seen, reach.Seen12Months);
    }

    [Fact]
    public void The_pilot_328_of_1020_not_reached()
    {
        // 1,020 on the birth records; 692 registered or seen (500 registered and seen lately, 150 registered long ago, 42 seen only).
        var inputs = Enumerable.Range(0, 1020).Select(i => i switch
        {
            < 500 => new ReachInput($"c{i}", true, new DateOnly(2024, 1, 1), new DateOnly(2025, 1, 1)),
            < 650 => new ReachInput($"c{i}", true, new DateOnly(2022, 1, 1), new DateOnly(2023, 1, 1)),
            < 692 => new ReachInput($"c{i}", true, null, new DateOnly(2024, 12, 1)),
            _ => new ReachInput($"c{i}", true, null, null),
        });

        var reach = ReachCalculator.Compute(inputs, AsOf);

        Assert.Equal(1020, reach.Known);
        Assert.Equal(650, reach.Registered);
        Assert.Equal(542, reach.Seen12Months);
        Assert.Equal(692, reach.Reached);
        Assert.Equal(328, reach.Unreached);
        Assert.Equal(100.0 * 328 / 1020, reach.UnreachedPercent!.Value, 9);
        Assert.Equal(100.0 * 692 / 1020, reach.ReachedPercent!.Value, 9);
        Assert.Equal(100.0 * 650 / 1020, reach.RegisteredPercent!.Value, 9);
        Assert.Equal(100.0 * 542 / 1020, reach.Seen12MonthsPercent!.Value, 9);
    }

    [Theory]
    [InlineData("2024-04-01", 1)] // first day of the 12 months to 31 March 2025
    [InlineData("2024-03-31", 0)]
    [InlineData("2025-03-31", 1)]
    [InlineData("2025-04-01", 0)] // after the date: has not happened yet
    public void Seen_in_the_last_12_months_includes_both_ends(string lastSeen, int seen)
    {
        var reach = ReachCalculator.Compute([new ReachInput("c", true, null, DateOnly.Parse(lastSeen))], AsOf);

        Assert.Equal(seen, reach.Seen12Months);
    }

    [Theory]
    [InlineData("2024-02-29", 0)] // February 2024: before the 12 months to 28 February 2025
    [InlineData("2024-03-01", 1)]
    public void Seen_in_the_last_12_months_to_the_end_of_February_starts_in_March(string lastSeen, int seen)
    {
        var reach = ReachCalculator.Compute([new ReachInput("c", true, null, DateOnly.Parse(lastSeen))], new DateOnly(2025, 2, 28));

        Assert.Equal(seen, reach.Seen12Months);
    }

    [Fact]
    public void Registration_after_the_date_does_not_count_yet()
    {
        var reach = ReachCalculator.Compute([new ReachInput("c", true, AsOf.AddDays(1), null)], AsOf);

        Assert.Equal((0, 0, 1), (reach.Registered, reach.Reached, reach.Unreached));
    }

    [Fact]
    public void Children_missing_from_birth_records_are_counted_apart()
    {
        ReachInput[] inputs =
        [
            new("moved-in", false, new DateOnly(2024, 6, 1), null),
            new("never-met", false, null, null),
            new("known", true, new DateOnly(2024, 6, 1), null),
        ];

        var reach = ReachCalculator.Compute(inputs, AsOf);

        Assert.Equal((1, 1, 1, 0, 1, 2), (reach.Known, reach.Registered, reach.Reached, reach.Unreached, reach.ReachedOutsideBirthRecords, reach.TotalReached));
    }

    [Theory]
    [InlineData("2020-03-31", 0)] // five on 31 March 2025: no longer one of the centre's under-fives
    [InlineData("2020-04-01", 1)] // five tomorrow
    [InlineData("2025-03-31", 1)] // born that day
    [InlineData("2025-04-01", 0)] // born after the date: not yet living in the area then
    public void Reach_counts_the_under_fives_born_by_the_date(string dateOfBirth, int counted)
    {
        // The brief: reach is the share of under-fives living in the area who are registered, or seen in the last 12 months.
        // A child registered at birth six years ago would otherwise count as reached for good, and an unregistered one as
        // unreached for good, long after the centre has stopped serving them.
        var born = DateOnly.Parse(dateOfBirth);
        ReachInput[] inputs =
        [
            new("registered-and-seen", true, born, AsOf, born),
            new("never-met", true, null, null, born),
        ];

        var reach = ReachCalculator.Compute(inputs, AsOf);

        Assert.Equal(
            (2 * counted, counted, counted, counted, counted, 0),
            (reach.Known, reach.Registered, reach.Seen12Months, reach.Reached, reach.Unreached, reach.ReachedOutsideBirthRecords));
        Assert.Equal(counted, reach.TotalReached);
    }

    [Fact]
    public void A_leap_day_child_leaves_the_under_fives_on_28_February()
    {
        // Ages are counted as the indicators count them: 29 February plus five years is 28 February.
        var child = new ReachInput("c", true, null, null, new DateOnly(2020, 2, 29));

        Assert.Equal(1, ReachCalculator.Compute([child], new DateOnly(2025, 2, 27)).Known);
        Assert.Equal(0, ReachCalculator.Compute([child], new DateOnly(2025, 2, 28)).Known);
    }

    [Fact]
    public void Nobody_known_gives_no_percentages()
    {
        var reach = ReachCalculator.Compute([], AsOf);

        Assert.Null(reach.ReachedPercent);
        Assert.Null(reach.UnreachedPercent);
    }

    [Fact]
    public void The_same_child_twice_is_rejected() =>
        Assert.Throws<ArgumentException>(() => ReachCalculator.Compute([new("c", true, null, null), new("c", true, null, null)], AsOf));
}
