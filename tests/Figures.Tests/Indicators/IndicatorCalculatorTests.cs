using System.Text;
using QpActors.Figures.Indicators;

namespace QpActors.Figures.Tests.Indicators;

public sealed class IndicatorCalculatorTests
{
    // 2024/25 Q1: 1 April to 30 June 2024.
    private static readonly ReportingPeriod Q1 = ReportingPeriod.Quarter(2024, 1);

    private static DateOnly D(string iso) => DateOnly.Parse(iso);

    private static ChildIndicatorInput Child(string dob, string id = "c-1") => ChildIndicatorInput.Born(id, D(dob));

    private static IndicatorValue Only(string indicator, ChildIndicatorInput child, ReportingPeriod? period = null) =>
        IndicatorCalculator.Compute([child], period ?? Q1)[indicator];

    [Fact]
    public void Keys_are_exactly_the_eight_indicators_and_an_empty_period_has_no_percentages()
    {
        var values = IndicatorCalculator.Compute([], Q1);

        Assert.Equal(["C1", "C2", "C3", "C4", "C5", "C6i", "C6ii", "C8i"], values.Keys.Order(StringComparer.Ordinal));
        Assert.All(values.Values, v => Assert.Equal(new IndicatorValue(0, 0, null), v));
    }

    [Theory]
    [InlineData(0, 1, 0)]
    [InlineData(10, 1, 0)]
    [InlineData(14, 1, 0)]
    [InlineData(15, 0, 1)]
    [InlineData(29, 0, 1)]
    [InlineData(45, 0, 1)]
    [InlineData(-1, 0, 0)]
    public void New_birth_visit_on_day_14_is_within_and_day_15_is_after(int visitDay, int c2, int c3)
    {
        // Born 15 April: turns 30 days on 15 May, inside the quarter.
        var child = Child("2024-04-15") with { NewBirthVisitOn = D("2024-04-15").AddDays(visitDay) };

        Assert.Equal(new IndicatorValue(c2, 1, 100.0 * c2), Only("C2", child));
        Assert.Equal(new IndicatorValue(c3, 1, 100.0 * c3), Only("C3", child));
    }

    [Theory]
    [InlineData("2024-03-01", 0)] // turns 30 days on 31 March: previous quarter
    [InlineData("2024-03-02", 1)] // turns 30 days on 1 April: first day
    [InlineData("2024-05-31", 1)] // turns 30 days on 30 June: last day
    [InlineData("2024-06-01", 0)] // turns 30 days on 1 July: next quarter
    public void New_birth_denominator_is_children_turning_30_days_in_the_period(string dob, int inCohort)
    {
        var child = Child(dob) with { NewBirthVisitOn = D(dob).AddDays(12) };

        Assert.Equal(inCohort, Only("C2", child).Denominator);
        Assert.Equal(inCohort, Only("C3", child).Denominator);
        Assert.Equal(inCohort, Only("C2", child).Numerator);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(42, 1)]
    [InlineData(56, 1)] // exactly 8 weeks
    [InlineData(57, 0)]
    [InlineData(-3, 0)]
    public void Six_to_eight_week_review_counts_up_to_the_day_the_child_turns_8_weeks(int reviewDay, int counted)
    {
        var child = Child("2024-04-10") with { SixToEightWeekReviewOn = D("2024-04-10").AddDays(reviewDay) };

        Assert.Equal(new IndicatorValue(counted, 1, 100.0 * counted), Only("C8i", child));
    }

    [Theory]
    [InlineData("2024-02-04", 0)] // 8 weeks on 31 March
    [InlineData("2024-02-05", 1)] // 8 weeks on 1 April
    [InlineData("2024-05-05", 1)] // 8 weeks on 30 June
    [InlineData("2024-05-06", 0)] // 8 weeks on 1 July
    public void Six_to_eight_week_denominator_is_children_turning_8_weeks_in_the_period(string dob, int inCohort) =>
        Assert.Equal(inCohort, Only("C8i", Child(dob)).Denominator);

    [Theory]
    [InlineData("2024-05-10", 1)] // on the first birthday
    [InlineData("2024-05-11", 0)] // a day late
    [InlineData("2023-11-10", 1)] // at six months
    public void One_year_review_by_12_months_includes_the_birthday(string reviewOn, int c4Numerator)
    {
        var child = Child("2023-05-10") with { OneYearReviewOn = D(reviewOn) };

        var c4 = Only("C4", child);

        Assert.Equal(c4Numerator, c4.Numerator);
        Assert.Equal(1, c4.Denominator);
    }

    [Theory]
    [InlineData("2024-03-10", 1)] // 13 months
    [InlineData("2024-05-10", 1)] // exactly 15 months
    [InlineData("2024-05-11", 0)]
    public void One_year_review_by_15_months_counts_late_reviews_up_to_15_months(string reviewOn, int counted)
    {
        // Born 10 February 2023: turns 15 months on 10 May 2024 (in the quarter) and 12 months on 10 February 2024 (not).
        var child = Child("2023-02-10") with { OneYearReviewOn = D(reviewOn) };

        Assert.Equal(new IndicatorValue(counted, 1, 100.0 * counted), Only("C5", child));
        Assert.Equal(0, Only("C4", child).Denominator);
    }

    [Fact]
    public void A_leap_day_baby_turns_12_months_on_28_February()
    {
        var child = Child("2024-02-29") with { OneYearReviewOn = D("2025-02-28") };

        Assert.Equal(new IndicatorValue(1, 1, 100), Only("C4", child, ReportingPeriod.Month(2025, 2)));
        Assert.Equal(0, Only("C4", child, ReportingPeriod.Month(2025, 3)).Denominator);
    }

    [Theory]
    [InlineData("2021-12-31", 1)] // turns 2½ (30 months) on 30 June 2024
    [InlineData("2022-01-01", 0)] // turns 2½ on 1 July 2024
    [InlineData("2021-10-01", 1)] // turns 2½ on 1 April 2024
    [InlineData("2021-09-30", 0)] // turns 2½ on 31 March 2024
    public void Two_year_denominator_is_children_turning_30_months_in_the_period(string dob, int inCohort) =>
        Assert.Equal(inCohort, Only("C6i", Child(dob)).Denominator);

    [Fact]
    public void Two_year_review_with_ASQ3_is_over_the_reviews_done_by_2_and_a_half()
    {
        // All turn 2½ on 15 May 2024.
        ChildIndicatorInput[] children =
        [
            Child("2021-11-15", "a") with { TwoYearReviewOn = D("2024-01-15"), TwoYearReviewWithAsq3On = D("2024-01-15") },
            Child("2021-11-15", "b") with { TwoYearReviewOn = D("2024-05-15") },
            Child("2021-11-15", "c"),
            Child("2021-11-15", "d") with { TwoYearReviewOn = D("2024-05-16"), TwoYearReviewWithAsq3On = D("2024-05-16") },
        ];

        var values = IndicatorCalculator.Compute(children, Q1);

        Assert.Equal(new IndicatorValue(2, 4, 50), values["C6i"]);
        Assert.Equal(new IndicatorValue(1, 2, 50), values["C6ii"]);
    }

    [Theory]
    [InlineData("2024-03-15", "2024-05-15", 1)] // the ASQ-3 at the review itself, at 28 months
    [InlineData("2024-03-15", "2024-05-16", 0)] // completed at a second contact the day after 2½ years
    [InlineData("2024-03-15", "2024-09-15", 0)] // at 34 months
    [InlineData("2024-03-15", null, 0)]
    public void C6ii_counts_an_ASQ3_only_when_it_was_done_by_2_and_a_half(string reviewOn, string? asq3On, int counted)
    {
        // Turns 2½ on 15 May 2024. OHID's C6i and C6ii are both "by 2½ years": a review at 28 months without the
        // questionnaire, and the ASQ-3 completed at a later contact after 30 months, is a review done (C6i) but not one
        // done using ASQ-3 by 2½ years (C6ii).
        var child = Child("2021-11-15") with { TwoYearReviewOn = D(reviewOn), TwoYearReviewWithAsq3On = asq3On is null ? null : D(asq3On) };

        var values = IndicatorCalculator.Compute([child], Q1);

        Assert.Equal(new IndicatorValue(1, 1, 100), values["C6i"]);
        Assert.Equal(new IndicatorValue(counted, 1, 100.0 * counted), values["C6ii"]);
    }

    [Fact]
    public void A_baby_born_before_28_weeks_is_not_in_C1s_denominator()
    {
        // Due 1 August 2024, born 1 May 2024 at 27 weeks: the antenatal contact "from 28 weeks" could never be given, and
        // the child's review schedule owes none. Another baby born the same day at term, seen at 30 weeks, is the only one
        // C1 counts.
        ChildIndicatorInput[] children =
        [
            Child("2024-05-01", "very-premature") with { ExpectedDueDate = D("2024-08-01"), AntenatalContactOwed = false },
            Child("2024-05-01", "at-term") with { ExpectedDueDate = D("2024-05-03"), AntenatalContactOn = D("2024-03-08") },
        ];

        Assert.Equal(new IndicatorValue(1, 1, 100), IndicatorCalculator.Compute(children, Q1)["C1"]);
    }

    [Theory]
    [InlineData(28, null, 1)]
    [InlineData(36, null, 1)]
    [InlineData(27, null, 0)]
    [InlineData(null, 84, 1)]  // 12 weeks before the due date = 28+0
    [InlineData(null, 85, 0)]  // 27+6
    [InlineData(null, null, 0)] // gestation unknowable
    public void Antenatal_contact_counts_from_28_weeks(int? recordedWeeks, int? daysBeforeDueDate, int counted)
    {
        var contact = D("2024-03-01");
        var child = Child("2024-05-20") with
        {
            AntenatalContactOn = contact,
            AntenatalGestationWeeks = recordedWeeks,
            ExpectedDueDate = daysBeforeDueDate is { } days ? contact.AddDays(days) : null,
        };

        Assert.Equal(new IndicatorValue(counted, 1, 100.0 * counted), Only("C1", child));
    }

    [Fact]
    public void Antenatal_denominator_is_births_in_the_period()
    {
        ChildIndicatorInput[] children =
        [
            Child("2024-04-01", "first-day") with { AntenatalContactOn = D("2024-03-01"), AntenatalGestationWeeks = 32 },
            Child("2024-06-30", "last-day"),
            Child("2024-03-31", "before") with { AntenatalContactOn = D("2024-03-01"), AntenatalGestationWeeks = 32 },
            new ChildIndicatorInput("unborn", D("2024-08-01"), null, D("2024-05-01"), 28, null, null, null, null, null),
        ];

        Assert.Equal(new IndicatorValue(1, 2, 50), IndicatorCalculator.Compute(children, Q1)["C1"]);
    }

    [Fact]
    public void C1_takes_the_antenatal_contacts_last_day_from_the_schedule_and_bounds_no_date_of_its_own()
    {
        // Which contact is the antenatal contact, up to the day before the birth, is review-schedule.v2's rule
        // (lastPossible), and the contact date C1 receives is the one the schedule counted: a bound of C1's own would be
        // the rule written twice, free to disagree with the schedule again (it did: the schedule once counted the day of
        // birth and C1 did not).
        var c1 = IndicatorDefinitions.LoadDefault().Indicators.Single(d => d.Id == "C1");

        Assert.Null(c1.Window);
        Assert.Equal(new IndicatorValue(1, 1, 100), Only("C1", Child("2024-05-20") with { AntenatalContactOn = D("2024-05-19"), AntenatalGestationWeeks = 39 }));
    }

    [Fact]
    public void Percent_is_numerator_over_denominator()
    {
        var children = Enumerable.Range(0, 4).Select(i =>
            Child("2024-04-15", $"c-{i}") with { NewBirthVisitOn = i < 3 ? D("2024-04-25") : null });

        Assert.Equal(new IndicatorValue(3, 4, 75), IndicatorCalculator.Compute(children, Q1)["C2"]);
    }

    [Fact]
    public void The_same_child_twice_is_rejected() =>
        Assert.Throws<ArgumentException>(() => IndicatorCalculator.Compute([Child("2024-04-15"), Child("2024-04-15")], Q1));

    [Fact]
    public void Default_definitions_are_versioned_and_sourced()
    {
        var definitions = IndicatorDefinitions.LoadDefault();

        Assert.Equal("indicators.v2", definitions.Version);
        Assert.NotEmpty(definitions.Notes);
        Assert.All(definitions.Indicators, d => Assert.False(string.IsNullOrWhiteSpace(d.Source)));
        Assert.Equal(14, definitions.Indicators.Single(d => d.Id == "C2").Window!.To!.Days);
    }

    [Fact]
    public void The_calculator_follows_the_definitions_file()
    {
        const string json = """
            {
              "version": "test", "notes": [], "source": "test",
              "indicators": [
                { "id": "NBV10", "title": "t", "numerator": "n", "denominator": "d", "review": "new-birth", "source": "s",
                  "cohort": { "turnsAge": { "days": 30 } }, "window": { "to": { "days": 10 } } }
              ]
            }
            """;
        var definitions = IndicatorDefinitions.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        var child = Child("2024-04-15") with { NewBirthVisitOn = D("2024-04-27") };

        var values = IndicatorCalculator.Compute([child], Q1, definitions);

        Assert.Equal(["NBV10"], values.Keys);
        Assert.Equal(new IndicatorValue(0, 1, 0), values["NBV10"]);
    }

    [Theory]
    [InlineData("""{ "id": "X", "title": "t", "numerator": "n", "denominator": "d", "review": "3-year", "source": "s", "cohort": { "turnsAge": { "days": 30 } } }""")]
    [InlineData("""{ "id": "X", "title": "t", "numerator": "n", "denominator": "d", "review": "1-year", "source": "s" }""")]
    [InlineData("""{ "id": "X", "title": "t", "numerator": "n", "denominator": "d", "review": "1-year", "source": "s", "denominatorIndicator": "Y" }""")]
    [InlineData("""{ "id": "X", "title": "t", "numerator": "n", "denominator": "d", "review": "1-year", "source": "s", "cohort": { "turnsAge": { "dayz": 3 } } }""")]
    public void Invalid_definitions_are_rejected(string indicator)
    {
        var json = $$"""{ "version": "test", "notes": [], "source": "s", "indicators": [ {{indicator}} ] }""";

        Assert.Throws<InvalidDataException>(() => IndicatorDefinitions.Load(new MemoryStream(Encoding.UTF8.GetBytes(json))));
    }

    [Fact]
    public void Definitions_load_from_the_copy_beside_the_assembly()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "indicators.v2.json");

        Assert.Equal(IndicatorDefinitions.LoadDefault().Indicators, IndicatorDefinitions.LoadFile(path).Indicators);
    }

    [Fact]
    public void Version_1_still_loads_and_counts_as_it_did()
    {
        // indicators.v1 stays beside v2: the figures kept before v2 were counted under it. Its C6ii counted any ASQ-3 once a
        // review was done by 2½ years, and its C1 every birth.
        var v1 = IndicatorDefinitions.LoadFile(Path.Combine(AppContext.BaseDirectory, "Data", "indicators.v1.json"));
        ChildIndicatorInput[] children =
        [
            Child("2021-11-15", "late-asq3") with { TwoYearReviewOn = D("2024-03-15"), TwoYearReviewWithAsq3On = D("2024-09-15") },
            Child("2024-05-01", "very-premature") with { ExpectedDueDate = D("2024-08-01"), AntenatalContactOwed = false },
        ];

        var values = IndicatorCalculator.Compute(children, Q1, v1);

        Assert.Equal("indicators.v1", v1.Version);
        Assert.Equal(new IndicatorValue(1, 1, 100), values["C6ii"]);
        Assert.Equal(new IndicatorValue(0, 1, 0), values["C1"]);
    }
}
