using System.Globalization;
using System.Text;
using QpActors.Domain.Events;
using QpActors.Domain.Model;
using QpActors.Domain.Risk;
using QpActors.Domain.Schedule;
using static QpActors.Domain.Tests.TestData;

namespace QpActors.Domain.Tests;

public sealed class ReviewScheduleTests
{
    private static readonly DateOnly Born = new(2024, 3, 10);

    private static ChildState BornChild(params ContactEvent[] more) =>
        ChildState.Fold("c-1", [Event("birth", Day(2024, 3, 11), new BirthNotified(Born, "queens-park")), .. more]);

    private static ChildState BookedAndBorn(params ContactEvent[] more) =>
        BornChild([Event("booking", Day(2023, 9, 1), new PregnancyBooked(new DateOnly(2024, 3, 15), 10)), .. more]);

    private static ChildState ChildBornOn(DateOnly born, params ContactEvent[] more) =>
        ChildState.Fold("c-1", [Event("birth", new DateTimeOffset(born.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero), new BirthNotified(born, "queens-park")), .. more]);

    private static DateTimeOffset Instant(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    private static DateTimeOffset Noon(string date) =>
        new(DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture).ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);

    private static ContactEvent Review(MandatedReview review, string date) =>
        Event("review-" + review.ToWireName(), Noon(date).AddHours(-2), new ReviewCompleted(review));

    [Theory]
    [InlineData(MandatedReview.NewBirth, "2024-03-20", "2024-03-24")]
    [InlineData(MandatedReview.SixToEightWeek, "2024-04-21", "2024-05-05")]
    [InlineData(MandatedReview.OneYear, "2024-12-10", "2025-03-10")]
    [InlineData(MandatedReview.TwoYear, "2026-03-10", "2026-09-10")]
    [InlineData(MandatedReview.Antenatal, "2023-12-22", "2024-03-10")]
    public void Windows_follow_the_healthy_child_programme(MandatedReview review, string from, string by)
    {
        var status = ReviewSchedule.Evaluate(BookedAndBorn(), Noon("2024-01-01")).Single(s => s.Review == review);

        Assert.Equal(from, status.DueFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Assert.Equal(by, status.DueBy.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(MandatedReview.NewBirth, "2024-03-19", ReviewState.NotYetDue)]
    [InlineData(MandatedReview.NewBirth, "2024-03-20", ReviewState.Due)]
    [InlineData(MandatedReview.NewBirth, "2024-03-24", ReviewState.Due)]
    [InlineData(MandatedReview.NewBirth, "2024-03-25", ReviewState.Overdue)]
    [InlineData(MandatedReview.SixToEightWeek, "2024-04-20", ReviewState.NotYetDue)]
    [InlineData(MandatedReview.SixToEightWeek, "2024-04-21", ReviewState.Due)]
    [InlineData(MandatedReview.SixToEightWeek, "2024-05-05", ReviewState.Due)]
    [InlineData(MandatedReview.SixToEightWeek, "2024-05-06", ReviewState.Overdue)]
    [InlineData(MandatedReview.OneYear, "2024-12-09", ReviewState.NotYetDue)]
    [InlineData(MandatedReview.OneYear, "2024-12-10", ReviewState.Due)]
    [InlineData(MandatedReview.OneYear, "2025-03-10", ReviewState.Due)]
    [InlineData(MandatedReview.OneYear, "2025-03-11", ReviewState.Overdue)]
    [InlineData(MandatedReview.TwoYear, "2026-03-09", ReviewState.NotYetDue)]
    [InlineData(MandatedReview.TwoYear, "2026-03-10", ReviewState.Due)]
    [InlineData(MandatedReview.TwoYear, "2026-09-10", ReviewState.Due)]
    [InlineData(MandatedReview.TwoYear, "2026-09-11", ReviewState.Overdue)]
    [InlineData(MandatedReview.Antenatal, "2023-12-21", ReviewState.NotYetDue)]
    [InlineData(MandatedReview.Antenatal, "2023-12-22", ReviewState.Due)]
    [InlineData(MandatedReview.Antenatal, "2024-03-09", ReviewState.Due)]
    [InlineData(MandatedReview.Antenatal, "2024-03-10", ReviewState.Missed)] // born 10 March: from that day no contact counts
    public void Unrecorded_review_status_at_the_edges(MandatedReview review, string today, ReviewState expected)
    {
        var status = ReviewSchedule.Evaluate(BookedAndBorn(), Noon(today)).Single(s => s.Review == review);

        Assert.Equal(expected, status.Status);
        Assert.Null(status.CompletedOn);
        Assert.Null(status.EventId);
    }

    [Theory]
    [InlineData(MandatedReview.NewBirth, "2024-03-15", ReviewState.CompletedOnTime)]
    [InlineData(MandatedReview.NewBirth, "2024-03-24", ReviewState.CompletedOnTime)]
    [InlineData(MandatedReview.NewBirth, "2024-03-25", ReviewState.CompletedLate)]
    [InlineData(MandatedReview.SixToEightWeek, "2024-05-05", ReviewState.CompletedOnTime)]
    [InlineData(MandatedReview.SixToEightWeek, "2024-05-06", ReviewState.CompletedLate)]
    [InlineData(MandatedReview.OneYear, "2025-03-10", ReviewState.CompletedOnTime)]
    [InlineData(MandatedReview.OneYear, "2025-03-11", ReviewState.CompletedLate)]
    [InlineData(MandatedReview.TwoYear, "2026-09-10", ReviewState.CompletedOnTime)]
    [InlineData(MandatedReview.TwoYear, "2026-09-11", ReviewState.CompletedLate)]
    [InlineData(MandatedReview.Antenatal, "2023-12-22", ReviewState.CompletedOnTime)] // 28 weeks, its earliest day
    [InlineData(MandatedReview.Antenatal, "2024-03-09", ReviewState.CompletedOnTime)] // the day before the birth, its last possible day
    public void Recorded_review_status_at_the_edges(MandatedReview review, string completedOn, ReviewState expected)
    {
        var child = BookedAndBorn(Review(review, completedOn));

        var status = ReviewSchedule.Evaluate(child, Noon("2027-01-01")).Single(s => s.Review == review);

        Assert.Equal(expected, status.Status);
        Assert.Equal(completedOn, status.CompletedOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Assert.Equal("review-" + review.ToWireName(), status.EventId);
    }

    [Theory]
    [InlineData("2025-03-10", true)]
    [InlineData("2025-06-10", true)]
    [InlineData("2025-06-11", false)]
    public void One_year_review_also_reports_whether_done_by_fifteen_months(string completedOn, bool byFifteenMonths)
    {
        var status = ReviewSchedule.Evaluate(BornChild(Review(MandatedReview.OneYear, completedOn)), Noon("2026-01-01"))
            .Single(s => s.Review == MandatedReview.OneYear);

        Assert.Equal(new DateOnly(2025, 6, 10), status.AlsoReportedBy);
        Assert.Equal(byFifteenMonths, status.CompletedByAlsoReportedBy);
    }

    [Fact]
    public void Only_the_one_year_review_has_a_second_reporting_date()
    {
        var statuses = ReviewSchedule.Evaluate(BookedAndBorn(), Noon("2026-01-01"));

        Assert.All(statuses.Where(s => s.Review != MandatedReview.OneYear), s => Assert.Null(s.AlsoReportedBy));
        var oneYear = statuses.Single(s => s.Review == MandatedReview.OneYear);

        // Born 2024-03-10 (BornChild): the one-year review is also reported by 15 months, 2025-06-10.
        Assert.Equal(new DateOnly(2025, 6, 10), oneYear.AlsoReportedBy);
        Assert.False(oneYear.CompletedByAlsoReportedBy);
    }

    [Fact]
    public void An_unborn_child_has_only_the_antenatal_review_until_its_due_date()
    {
        var unborn = ChildState.Fold("c-1", [Event("booking", Day(2023, 9, 1), new PregnancyBooked(new DateOnly(2024, 3, 15), 10))]);

        var status = Assert.Single(ReviewSchedule.Evaluate(unborn, Noon("2024-03-12")));

        Assert.Equal(MandatedReview.Antenatal, status.Review);
        Assert.Equal(new DateOnly(2024, 3, 15), status.DueBy);
        Assert.Equal(ReviewState.Due, status.Status);
        Assert.Equal(["booking"], status.AnchorEventIds);
    }

    [Fact]
    public void A_baby_born_before_28_weeks_never_had_an_antenatal_contact_due()
    {
        // Due 15 March 2024, so 28 weeks of pregnancy fell on 22 December 2023; born on 1 December 2023, at 25 weeks. The
        // antenatal contact is "from 28 weeks" until the birth: that window never opened, so a health visitor does not see
        // a missed contact, and the family's score carries no point for a review nobody could have given.
        var booking = Event("booking", Day(2023, 9, 1), new PregnancyBooked(new DateOnly(2024, 3, 15), 10));
        var child = ChildState.Fold("c-1", [booking, Event("birth", Day(2023, 12, 2), new BirthNotified(new DateOnly(2023, 12, 1), "queens-park"))]);

        Assert.DoesNotContain(ReviewSchedule.Evaluate(child, Noon("2023-12-10")), s => s.Review == MandatedReview.Antenatal);
        var statuses = ReviewSchedule.Evaluate(child, Noon("2024-01-10"));
        Assert.DoesNotContain(statuses, s => s.Review == MandatedReview.Antenatal);
        Assert.Equal([MandatedReview.NewBirth], statuses.Where(s => s.Status == ReviewState.Overdue).Select(s => s.Review));
        Assert.Equal(1, RiskFacts.ForChild(child, Noon("2024-01-10")).Single(f => f.Id == RiskFacts.OverdueReviews).Value);

        // A contact recorded before such a birth was before 28 weeks, the antenatal contact's earliest day
        // (review-schedule.v2): it stays a contact and is not the mandated review, as OHID's C1 does not count it.
        var seen = child.Apply(Event("visit", Day(2023, 11, 20), new ReviewCompleted(MandatedReview.Antenatal)));
        Assert.DoesNotContain(ReviewSchedule.Evaluate(seen, Noon("2024-01-10")), s => s.Review == MandatedReview.Antenatal);
    }

    [Fact]
    public void Without_a_booking_the_antenatal_window_counts_back_from_the_birth()
    {
        var status = ReviewSchedule.Evaluate(BornChild(), Noon("2024-03-12")).Single(s => s.Review == MandatedReview.Antenatal);

        Assert.Equal(new DateOnly(2023, 12, 17), status.DueFrom);
        Assert.Equal(Born, status.DueBy);
        Assert.Equal(ReviewState.Missed, status.Status);
        Assert.Equal(["birth"], status.AnchorEventIds);
    }

    [Fact]
    public void A_child_with_no_booking_or_birth_has_no_schedule()
    {
        var child = ChildState.Fold("c-1", [Event("x", Day(2024, 1, 1), new AeAttendance())]);

        Assert.Empty(ReviewSchedule.Evaluate(child, Noon("2024-03-12")));
        Assert.Null(ReviewSchedule.NextChange(child, Noon("2024-03-12")));
    }

    [Theory]
    [InlineData("2025-05-31T23:30:00+00:00")]
    [InlineData("2025-06-01T00:30:00+01:00")]
    [InlineData("2025-05-31T19:30:00-04:00")]
    public void Today_is_the_programme_day_whatever_offset_now_carries(string now)
    {
        // 23:30 UTC on 31 May is 00:30 British Summer Time on 1 June: the day after the new birth visit's last day.
        var child = ChildBornOn(new DateOnly(2025, 5, 17));

        var status = ReviewSchedule.Evaluate(child, Instant(now)).Single(s => s.Review == MandatedReview.NewBirth);

        Assert.Equal(new DateOnly(2025, 5, 31), status.DueBy);
        Assert.Equal(ReviewState.Overdue, status.Status);
    }

    [Theory]
    [InlineData("2025-05-31T23:30:00+00:00")]
    [InlineData("2025-06-01T00:30:00+01:00")]
    [InlineData("2025-05-31T13:30:00-10:00")]
    public void A_review_is_dated_on_the_programme_day_whatever_offset_the_phone_sent(string completedAt)
    {
        var child = ChildBornOn(new DateOnly(2025, 5, 17), Event("visit", Instant(completedAt), new ReviewCompleted(MandatedReview.NewBirth)));

        var status = ReviewSchedule.Evaluate(child, Instant("2025-06-10T12:00:00Z")).Single(s => s.Review == MandatedReview.NewBirth);

        Assert.Equal(new DateOnly(2025, 6, 1), status.CompletedOn);
        Assert.Equal(ReviewState.CompletedLate, status.Status);
    }

    [Theory]
    [InlineData("2024-12-31T23:30:00+00:00", ReviewState.Due)]
    [InlineData("2025-01-01T00:30:00+01:00", ReviewState.Due)]
    [InlineData("2025-01-01T00:00:00+00:00", ReviewState.Overdue)]
    public void In_winter_the_programme_day_is_the_day_in_greenwich_mean_time(string now, ReviewState expected)
    {
        var child = ChildBornOn(new DateOnly(2024, 12, 17));

        Assert.Equal(expected, ReviewSchedule.Evaluate(child, Instant(now)).Single(s => s.Review == MandatedReview.NewBirth).Status);
    }

    [Fact]
    public void The_day_the_clocks_go_forward_ends_at_23_00_utc()
    {
        // 30 March 2025: clocks go from 01:00 GMT to 02:00 BST, so the day lasts 23 hours and the next one starts at 23:00 UTC.
        var child = ChildBornOn(new DateOnly(2025, 3, 16));
        ReviewState NewBirth(string now) => ReviewSchedule.Evaluate(child, Instant(now)).Single(s => s.Review == MandatedReview.NewBirth).Status;

        Assert.Equal(ReviewState.Due, NewBirth("2025-03-30T00:00:00Z"));
        Assert.Equal(ReviewState.Due, NewBirth("2025-03-30T22:59:59Z"));
        Assert.Equal(ReviewState.Overdue, NewBirth("2025-03-30T23:00:00Z"));
        Assert.Equal(Instant("2025-03-30T23:00:00Z"), ReviewSchedule.NextChange(child, Instant("2025-03-30T12:00:00Z")));
    }

    [Fact]
    public void The_day_the_clocks_go_back_starts_at_23_00_utc_and_lasts_25_hours()
    {
        // 26 October 2025: clocks go from 02:00 BST back to 01:00 GMT. The day starts at 23:00 UTC on the 25th and
        // ends at midnight UTC on the 27th.
        var child = ChildBornOn(new DateOnly(2025, 10, 11));
        ReviewState NewBirth(string now) => ReviewSchedule.Evaluate(child, Instant(now)).Single(s => s.Review == MandatedReview.NewBirth).Status;

        Assert.Equal(ReviewState.Due, NewBirth("2025-10-25T22:59:59Z"));
        Assert.Equal(ReviewState.Overdue, NewBirth("2025-10-25T23:00:00Z"));
        Assert.Equal(Instant("2025-10-25T23:00:00Z"), ReviewSchedule.NextChange(child, Instant("2025-10-25T12:00:00Z")));

        var late = ChildBornOn(new DateOnly(2025, 10, 12), Event("visit", Instant("2025-10-26T23:30:00Z"), new ReviewCompleted(MandatedReview.NewBirth)));
        var status = ReviewSchedule.Evaluate(late, Instant("2025-11-01T12:00:00Z")).Single(s => s.Review == MandatedReview.NewBirth);
        Assert.Equal(new DateOnly(2025, 10, 26), status.CompletedOn);
        Assert.Equal(ReviewState.CompletedOnTime, status.Status);
    }

    [Theory]
    [InlineData("2023-11-01", "2023-12-22T00:00:00Z")] // antenatal opens
    [InlineData("2024-03-12", "2024-03-20T00:00:00Z")] // antenatal overdue already; new birth opens
    [InlineData("2024-03-21", "2024-03-25T00:00:00Z")] // new birth closes
    [InlineData("2024-04-25", "2024-05-05T23:00:00Z")] // 6-8 week closes at midnight British Summer Time
    [InlineData("2025-01-15", "2025-03-11T00:00:00Z")] // 1 year closes
    [InlineData("2026-05-01", "2026-09-10T23:00:00Z")] // 2 year closes at midnight British Summer Time
    public void Next_change_is_the_nearest_window_edge(string today, string expected)
    {
        var child = ChildState.Fold("c-1", [Event("booking", Day(2023, 9, 1), new PregnancyBooked(new DateOnly(2024, 3, 15), 10))]);
        if (DateOnly.Parse(today, CultureInfo.InvariantCulture) >= Born)
        {
            child = child.Apply(Event("birth", Day(2024, 3, 11), new BirthNotified(Born, "queens-park")));
        }

        var next = ReviewSchedule.NextChange(child, Noon(today));

        Assert.Equal(Instant(expected), next);
    }

    [Fact]
    public void Next_change_is_the_programmes_midnight_stated_in_the_offset_of_now()
    {
        // 20 March 2024 is before the clocks go forward: the programme's midnight is midnight UTC, 01:00 at +01:00.
        var now = new DateTimeOffset(2024, 3, 12, 9, 0, 0, TimeSpan.FromHours(1));

        var next = ReviewSchedule.NextChange(BornChild(), now);

        Assert.Equal(new DateTimeOffset(2024, 3, 20, 1, 0, 0, TimeSpan.FromHours(1)), next);
        Assert.Equal(now.Offset, next!.Value.Offset);
    }

    [Fact]
    public void Nothing_is_pending_once_every_review_is_met_or_the_child_has_turned_five()
    {
        Assert.Null(ReviewSchedule.NextChange(BornChild(), Noon("2029-03-10")));

        // Every window has closed, but the missed reviews still lapse on the fifth birthday.
        Assert.Equal(Instant("2029-03-10T00:00:00Z"), ReviewSchedule.NextChange(BornChild(), Noon("2026-09-11")));
        Assert.NotNull(ReviewSchedule.NextChange(BornChild(), Noon("2026-09-10")));

        var allDone = BornChild(
            Review(MandatedReview.Antenatal, "2024-01-10"),
            Review(MandatedReview.NewBirth, "2024-03-21"),
            Review(MandatedReview.SixToEightWeek, "2024-04-30"),
            Review(MandatedReview.OneYear, "2025-03-01"),
            Review(MandatedReview.TwoYear, "2026-04-01"));
        Assert.Null(ReviewSchedule.NextChange(allDone, Noon("2026-05-01")));
    }

    [Fact]
    public void On_the_fifth_birthday_missed_reviews_are_no_longer_overdue_and_given_ones_stay_on_record()
    {
        // Born 10 March 2024: five on 10 March 2029, when the child leaves the Healthy Child Programme 0-5. A review missed
        // then is no one's to give any more: the worklist and the commission's overdue reviews stop counting it.
        var child = BookedAndBorn(Review(MandatedReview.NewBirth, "2024-03-21"));

        var before = ReviewSchedule.Evaluate(child, Noon("2029-03-09"));
        Assert.Equal(3, before.Count(s => s.Status == ReviewState.Overdue));
        Assert.Equal(MandatedReview.Antenatal, before.Single(s => s.Status == ReviewState.Missed).Review);
        Assert.Equal(ProgrammeCalendar.QueensPark.StartOf(new DateOnly(2029, 3, 10)), ReviewSchedule.NextChange(child, Noon("2029-03-09")));

        var status = Assert.Single(ReviewSchedule.Evaluate(child, Instant("2029-03-10T00:00:00Z")));
        Assert.Equal(MandatedReview.NewBirth, status.Review);
        Assert.Equal(ReviewState.CompletedOnTime, status.Status);
        Assert.Null(ReviewSchedule.NextChange(child, Instant("2029-03-10T00:00:00Z")));
    }

    [Theory]
    [InlineData("2024-02-20T10:00:00Z", ReviewState.Overdue)] // the antenatal contact, recorded under the wrong review
    [InlineData("2024-03-09T23:59:00Z", ReviewState.Overdue)] // the evening before the birth
    [InlineData("2024-03-10T00:30:00Z", ReviewState.CompletedOnTime)] // the day of the birth: day 0, as OHID's C2 counts it
    public void A_review_from_birth_recorded_before_the_birth_is_not_that_review(string recordedAt, ReviewState expected)
    {
        // A new birth visit cannot happen before the baby is born: such a record is a slip (another review chosen on the
        // phone) or a wrong date. The visit is still owed, and the commission's C2 does not count it either; a real visit
        // recorded later is the one that counts.
        var child = BornChild(Event("slip", Instant(recordedAt), new ReviewCompleted(MandatedReview.NewBirth)));

        var status = ReviewSchedule.Evaluate(child, Noon("2024-03-26")).Single(s => s.Review == MandatedReview.NewBirth);
        Assert.Equal(expected, status.Status);

        var visited = child.Apply(Event("visit", Noon("2024-03-21"), new ReviewCompleted(MandatedReview.NewBirth)));
        var after = ReviewSchedule.Evaluate(visited, Noon("2024-03-26")).Single(s => s.Review == MandatedReview.NewBirth);
        Assert.Equal(ReviewState.CompletedOnTime, after.Status);
        Assert.Equal(expected == ReviewState.Overdue ? "visit" : "slip", after.EventId);
    }

    [Theory]
    [InlineData(MandatedReview.OneYear, "2024-07-10", "2024-12-10", ReviewState.Due)] // a "1-year review" at 4 months
    [InlineData(MandatedReview.OneYear, "2024-07-10", "2025-03-11", ReviewState.Overdue)]
    [InlineData(MandatedReview.OneYear, "2024-12-09", "2025-03-11", ReviewState.Overdue)] // the day before 9 months
    [InlineData(MandatedReview.OneYear, "2024-12-10", "2025-03-11", ReviewState.CompletedOnTime)] // 9 months: the earliest day
    [InlineData(MandatedReview.TwoYear, "2025-05-10", "2026-03-10", ReviewState.Due)] // a "2-2½ year review" at 14 months
    [InlineData(MandatedReview.TwoYear, "2025-05-10", "2026-09-11", ReviewState.Overdue)]
    [InlineData(MandatedReview.TwoYear, "2026-03-09", "2026-09-11", ReviewState.Overdue)] // the day before 2 years
    [InlineData(MandatedReview.TwoYear, "2026-03-10", "2026-09-11", ReviewState.CompletedOnTime)] // 2 years
    [InlineData(MandatedReview.SixToEightWeek, "2024-04-14", "2024-05-06", ReviewState.Overdue)] // at 5 weeks
    [InlineData(MandatedReview.SixToEightWeek, "2024-04-21", "2024-05-06", ReviewState.CompletedOnTime)] // 6 weeks
    [InlineData(MandatedReview.NewBirth, "2024-03-10", "2024-03-25", ReviewState.CompletedOnTime)] // day 0 counts, as OHID C2 counts it
    public void A_review_recorded_before_its_earliest_day_is_not_that_review(MandatedReview review, string recordedOn, string today, ReviewState expected)
    {
        // The programme offers the 1-year review from about 9 months and the 2-2½ year review from 2 years: a contact
        // recorded as one of them months earlier (a slip on the phone, another contact under the wrong review) is not it.
        // It stays in the record as a contact; the review is still owed, and is overdue once its window closes.
        var child = BornChild(Event("early", Noon(recordedOn), new ReviewCompleted(review)));

        var status = ReviewSchedule.Evaluate(child, Noon(today)).Single(s => s.Review == review);

        Assert.Equal(expected, status.Status);
        var counted = expected is ReviewState.CompletedOnTime;
        Assert.Equal(counted ? "early" : null, status.EventId);
        Assert.Equal(counted ? DateOnly.ParseExact(recordedOn, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null, status.CompletedOn);
        var overdue = RiskFacts.ForChild(child, Noon(today)).Single(f => f.Id == RiskFacts.OverdueReviews).Value;
        var others = ReviewSchedule.Evaluate(child, Noon(today)).Count(s => s.Review != review && s.Status is ReviewState.Overdue or ReviewState.Missed);
        Assert.Equal(others + (expected == ReviewState.Overdue ? 1 : 0), overdue);
    }

    [Fact]
    public void An_early_review_is_not_that_review_and_a_later_one_is()
    {
        var early = BornChild(Event("at-4-months", Noon("2024-07-10"), new ReviewCompleted(MandatedReview.OneYear)));
        var both = early.Apply(Event("at-11-months", Noon("2025-02-10"), new ReviewCompleted(MandatedReview.OneYear)));

        var status = ReviewSchedule.Evaluate(both, Noon("2025-06-01")).Single(s => s.Review == MandatedReview.OneYear);

        Assert.Equal((ReviewState.CompletedOnTime, "at-11-months", new DateOnly(2025, 2, 10)), (status.Status, status.EventId, status.CompletedOn));
    }

    [Fact]
    public void An_antenatal_contact_before_28_weeks_is_not_the_antenatal_contact()
    {
        // Due 15 March 2024 (BookedAndBorn): 28 weeks on 22 December 2023. A contact at 24 weeks is not the mandated
        // antenatal contact (the programme's "from 28 weeks"; OHID C1 counts none before 28 weeks either).
        var child = BookedAndBorn(Event("at-24-weeks", Noon("2023-11-24"), new ReviewCompleted(MandatedReview.Antenatal)));

        var before = ReviewSchedule.Evaluate(child, Noon("2024-01-01")).Single(s => s.Review == MandatedReview.Antenatal);
        Assert.Equal((ReviewState.Due, null), (before.Status, before.EventId));

        var seen = child.Apply(Event("at-28-weeks", Noon("2023-12-22"), new ReviewCompleted(MandatedReview.Antenatal)));
        var after = ReviewSchedule.Evaluate(seen, Noon("2024-01-01")).Single(s => s.Review == MandatedReview.Antenatal);
        Assert.Equal((ReviewState.CompletedOnTime, "at-28-weeks"), (after.Status, after.EventId));
    }

    [Fact]
    public void After_the_birth_an_unrecorded_antenatal_contact_is_missed_not_overdue()
    {
        // Born 10 March 2024 with no antenatal contact on record. From the day of birth no contact can be shown to be
        // antenatal (only dates are recorded): it is missed (a missed mandated review, still a risk factor at the same
        // weight), not overdue, and nothing will change it, so no deadline waits for it.
        var child = BookedAndBorn();

        var onTheDay = ReviewSchedule.Evaluate(child, Noon("2024-03-10")).Single(s => s.Review == MandatedReview.Antenatal);
        Assert.Equal(ReviewState.Missed, onTheDay.Status);

        var status = ReviewSchedule.Evaluate(child, Noon("2024-03-11")).Single(s => s.Review == MandatedReview.Antenatal);
        Assert.Equal(ReviewState.Missed, status.Status);
        Assert.Equal(Born.AddDays(-1), status.LastPossible);
        Assert.Equal(1, RiskFacts.ForChild(child, Noon("2024-03-11")).Single(f => f.Id == RiskFacts.OverdueReviews).Value);
        var assessment = RiskEngine.Default.AssessChild(RiskFacts.ForChild(child, Noon("2024-03-11")));
        var factor = assessment.Factors.Single(f => f.Id == RiskFacts.OverdueReviews);
        Assert.Equal(2, factor.Weight);
        Assert.Contains("missed", factor.Description, StringComparison.Ordinal);
        // The next change is the new birth visit's window opening (day 10), not the antenatal contact's.
        Assert.Equal(ProgrammeCalendar.QueensPark.StartOf(new DateOnly(2024, 3, 20)), ReviewSchedule.NextChange(child, Noon("2024-03-11")));
    }

    [Fact]
    public void An_antenatal_contact_on_the_day_of_birth_is_not_the_antenatal_contact_and_one_the_day_before_is()
    {
        // Born 10 March 2024. Only the day of a contact is recorded, so one on the day of birth cannot be told from a visit
        // after the baby was born: it cannot be shown to be antenatal ("before the birth", OHID C1), and the schedule, the
        // risk score and C1 all leave it out, through review-schedule.v2's lastPossible (the day before the birth).
        var onBirthDay = BookedAndBorn(Event("on-the-day", Instant("2024-03-10T07:00:00Z"), new ReviewCompleted(MandatedReview.Antenatal)));

        var missed = ReviewSchedule.Evaluate(onBirthDay, Noon("2024-03-12")).Single(s => s.Review == MandatedReview.Antenatal);
        Assert.Equal((ReviewState.Missed, null, null), (missed.Status, missed.CompletedOn, missed.EventId));
        Assert.Equal(Born.AddDays(-1), missed.LastPossible);
        Assert.Equal(1, RiskFacts.ForChild(onBirthDay, Noon("2024-03-12")).Single(f => f.Id == RiskFacts.OverdueReviews).Value);

        var dayBefore = BookedAndBorn(Event("day-before", Instant("2024-03-09T23:30:00Z"), new ReviewCompleted(MandatedReview.Antenatal)));
        var done = ReviewSchedule.Evaluate(dayBefore, Noon("2024-03-12")).Single(s => s.Review == MandatedReview.Antenatal);
        Assert.Equal((ReviewState.CompletedOnTime, "day-before", Born.AddDays(-1)), (done.Status, done.EventId, done.CompletedOn));
        Assert.Equal(0, RiskFacts.ForChild(dayBefore, Noon("2024-03-12")).Single(f => f.Id == RiskFacts.OverdueReviews).Value);
    }

    [Fact]
    public void A_baby_born_on_the_day_pregnancy_reaches_28_weeks_was_owed_no_antenatal_contact()
    {
        // Due 15 March 2024: 28 weeks on 22 December 2023. Born that day, no contact could be both from 28 weeks and on a
        // day before the birth, so the window never opened: nothing is listed as missed (and C1 leaves the baby out).
        var child = ChildState.Fold("c-1",
        [
            Event("booking", Day(2023, 9, 1), new PregnancyBooked(new DateOnly(2024, 3, 15), 10)),
            Event("birth", Day(2023, 12, 23), new BirthNotified(new DateOnly(2023, 12, 22), "queens-park")),
        ]);

        Assert.DoesNotContain(ReviewSchedule.Evaluate(child, Noon("2024-01-10")), s => s.Review == MandatedReview.Antenatal);
    }

    [Fact]
    public void An_antenatal_contact_recorded_after_the_birth_is_not_the_antenatal_contact()
    {
        // A contact dated after the birth cannot have been antenatal (a postnatal visit recorded under the wrong review, or
        // a wrong date): it counts nowhere, and the antenatal contact stays missed.
        var child = BookedAndBorn(Event("after", Noon("2024-03-12"), new ReviewCompleted(MandatedReview.Antenatal)));

        var status = ReviewSchedule.Evaluate(child, Noon("2024-03-20")).Single(s => s.Review == MandatedReview.Antenatal);

        Assert.Equal((ReviewState.Missed, null, null), (status.Status, status.CompletedOn, status.EventId));
    }

    [Fact]
    public void The_asq3_of_an_early_two_year_review_counts_nowhere()
    {
        // ASQ-3 scores recorded with a "2-2½ year review" at 14 months were scored against the 24-month cut-offs: a child
        // of 14 months falls below them without any delay. They are not the review's, so no risk factor reads them.
        var low = new Asq3Scores(10, 10, 10, 10, 10);
        var child = BornChild(Event("early", Noon("2025-05-10"), new ReviewCompleted(MandatedReview.TwoYear, low)));

        Assert.Equal(0, RiskFacts.ForChild(child, Noon("2025-06-01")).Single(f => f.Id == RiskFacts.Asq3BelowCutoff).Value);

        var counted = child.Apply(Event("at-2", Noon("2026-04-10"), new ReviewCompleted(MandatedReview.TwoYear, low)));
        var fact = RiskFacts.ForChild(counted, Noon("2026-05-01")).Single(f => f.Id == RiskFacts.Asq3BelowCutoff);
        Assert.Equal(1.0, fact.Value);
        Assert.Equal(["at-2"], fact.EventIds);
    }

    [Fact]
    public void A_leap_day_babys_windows_close_on_the_days_its_indicators_count()
    {
        // Born 29 February 2024. Ages in months clamp to the month's end, as the indicators count them (indicators.v2.json):
        // 12 months on 28 February 2025, 2 years on 28 February 2026, 2½ years on 29 August 2026. A 1-year review on
        // 28 February 2025 is on time for the health visitor and counts in C4; one on 1 March 2025 is late in both.
        var child = ChildBornOn(new DateOnly(2024, 2, 29), Event("one-year", Noon("2025-02-28"), new ReviewCompleted(MandatedReview.OneYear)));

        var statuses = ReviewSchedule.Evaluate(child, Noon("2026-03-01"));
        var oneYear = statuses.Single(s => s.Review == MandatedReview.OneYear);
        var twoYear = statuses.Single(s => s.Review == MandatedReview.TwoYear);

        Assert.Equal((new DateOnly(2025, 2, 28), ReviewState.CompletedOnTime), (oneYear.DueBy, oneYear.Status));
        Assert.Equal(new DateOnly(2025, 5, 29), oneYear.AlsoReportedBy);
        Assert.Equal((new DateOnly(2026, 2, 28), new DateOnly(2026, 8, 29), ReviewState.Due), (twoYear.DueFrom, twoYear.DueBy, twoYear.Status));

        var late = ChildBornOn(new DateOnly(2024, 2, 29), Event("one-year", Noon("2025-03-01"), new ReviewCompleted(MandatedReview.OneYear)));
        Assert.Equal(ReviewState.CompletedLate, ReviewSchedule.Evaluate(late, Noon("2026-03-01")).Single(s => s.Review == MandatedReview.OneYear).Status);
    }

    [Fact]
    public void A_repeat_review_does_not_make_an_on_time_review_late()
    {
        var child = BornChild(
            Event("r1", Noon("2024-03-22"), new ReviewCompleted(MandatedReview.NewBirth)),
            Event("r2", Noon("2024-04-02"), new ReviewCompleted(MandatedReview.NewBirth)));

        var status = ReviewSchedule.Evaluate(child, Noon("2024-05-01")).Single(s => s.Review == MandatedReview.NewBirth);

        Assert.Equal(ReviewState.CompletedOnTime, status.Status);
        Assert.Equal("r1", status.EventId);
    }

    [Fact]
    public void Default_schedule_file_loads_and_is_shipped_beside_the_assembly()
    {
        var windows = ReviewWindows.LoadDefault();
        var shipped = ReviewWindows.Load(Path.Combine(AppContext.BaseDirectory, "Schedule", "review-schedule.v2.json"));

        Assert.Equal("review-schedule.v2", windows.Version);
        Assert.Equal(5, windows.Windows.Length);
        Assert.Equal(windows.Windows.ToArray(), shipped.Windows.ToArray());
        Assert.Equal(25.17, windows.Asq3Cutoffs.Communication);
        Assert.All(windows.Windows, w => Assert.NotNull(w.Earliest));
        Assert.Equal([MandatedReview.Antenatal], windows.Windows.Where(w => w.LastPossible is not null).Select(w => w.Review));
    }

    [Fact]
    public void Version_1_of_the_schedule_still_loads_and_counts_a_review_from_the_birth()
    {
        // review-schedule.v1 stays beside v2: it named no earliest day, so any contact from the birth was the review.
        var v1 = ReviewWindows.Load(Path.Combine(AppContext.BaseDirectory, "Schedule", "review-schedule.v1.json"));
        var child = BornChild(Event("at-4-months", Noon("2024-07-10"), new ReviewCompleted(MandatedReview.OneYear)));

        var status = v1.Evaluate(child, Noon("2025-06-01")).Single(s => s.Review == MandatedReview.OneYear);

        Assert.Equal("review-schedule.v1", v1.Version);
        Assert.Equal((ReviewState.CompletedOnTime, "at-4-months"), (status.Status, status.EventId));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "JSON object")]
    [InlineData("""{"reviews":[]}""", "version")]
    [InlineData("""{"version":"x","reviews":[{"review":"new-birth","dueFrom":{"anchor":"birth","days":10},"dueBy":{"anchor":"birth","days":14}}]}""", "no window for antenatal")]
    [InlineData("""{"version":"x","reviews":[{"review":"3-year","dueFrom":{"anchor":"birth"},"dueBy":{"anchor":"birth"}}]}""", "reviews[0].review")]
    [InlineData("""{"version":"x","reviews":[{"review":"new-birth","dueFrom":{"anchor":"conception"},"dueBy":{"anchor":"birth"}}]}""", "reviews[0].dueFrom.anchor")]
    [InlineData("""{"version":"x","reviews":[{"review":"new-birth","dueFrom":{"anchor":"birth","days":20},"dueBy":{"anchor":"birth","days":14}}]}""", "dueFrom is after dueBy")]
    [InlineData("""{"version":"x","reviews":[{"review":"new-birth","dueFrom":{"anchor":"birth","days":1.5},"dueBy":{"anchor":"birth"}}]}""", "reviews[0].dueFrom.days")]
    [InlineData("""{"version":"x","reviews":[{"review":"new-birth","dueBy":{"anchor":"birth"}}]}""", "reviews[0].dueFrom: required")]
    [InlineData("""{"version":"x","reviews":[{"review":"new-birth","dueFrom":{"anchor":"birth"},"dueBy":{"anchor":"birth"},"colour":1}]}""", "reviews[0].colour")]
    [InlineData("""{"version":"x","reviews":[]}""", "asq3Cutoffs")]
    [InlineData("""{"version":"x","reviews":[{"review":"1-year","earliest":{"anchor":"birth","months":10},"dueFrom":{"anchor":"birth","months":9},"dueBy":{"anchor":"birth","months":12}}]}""", "earliest is after dueFrom")]
    [InlineData("""{"version":"x","reviews":[{"review":"antenatal","dueFrom":{"anchor":"expected-due-date"},"dueBy":{"anchor":"birth"},"lastPossible":{"anchor":"labour"}}]}""", "reviews[0].lastPossible.anchor")]
    public void Malformed_schedule_files_are_rejected(string json, string problem)
    {
        var error = Assert.Throws<DataFileException>(() => ReviewWindows.Load(new MemoryStream(Encoding.UTF8.GetBytes(json))));

        Assert.Contains(error.Problems, p => p.Contains(problem, StringComparison.Ordinal));
    }
}
