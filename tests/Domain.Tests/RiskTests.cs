using System.Globalization;
using System.Text;
using QpActors.Domain.Events;
using QpActors.Domain.Model;
using QpActors.Domain.Risk;
using static QpActors.Domain.Tests.TestData;

namespace QpActors.Domain.Tests;

public sealed class RiskFactsTests
{
    private static RiskFact Fact(IReadOnlyList<RiskFact> facts, string id) => Assert.Single(facts, f => f.Id == id);

    private static IReadOnlyList<RiskFact> ChildFacts(params ContactEvent[] events) => RiskFacts.ForChild(ChildState.Fold("c-1", events), Now);

    private static IReadOnlyList<RiskFact> FamilyFacts(params ContactEvent[] events) => RiskFacts.ForFamily(FamilyState.Fold("f-1", events), Now);

    [Fact]
    public void Every_fact_of_the_design_is_computed_and_none_other()
    {
        string[] child =
        [
            "late-antenatal-booking", "overdue-reviews", "was-not-brought", "ae-attendances", "asq3-below-cutoff",
            "immunisations-missed", "not-registered-with-centre", "registered-with-centre", "attends-sessions",
            "not-registered-with-centre-by-8-weeks",
        ];
        string[] family =
        [
            "concern-maternal-mental-health", "concern-domestic-abuse", "concern-substance-use", "concern-housing", "concern-safeguarding",
            "young-parent", "housing-insecure", "champion-engaged", "attends-drop-ins", "gp-registered", "family-attends-drop-ins",
        ];

        Assert.Equal(child, RiskFacts.ForChild(new ChildState("c-1"), Now).Select(f => f.Id));
        Assert.Equal(family, RiskFacts.ForFamily(new FamilyState("f-1"), Now).Select(f => f.Id));
        Assert.Equal(child.Concat(family), RiskFacts.Catalogue.Select(f => f.Id));
        Assert.All(RiskFacts.ForChild(new ChildState("c-1"), Now), f => Assert.Equal(0, f.Value));
    }

    [Theory]
    [InlineData(12, 0)]
    [InlineData(13, 1)]
    public void Late_booking_is_after_twelve_weeks(int weeks, double expected)
    {
        var fact = Fact(ChildFacts(Event("b", Day(2026, 5, 1), new PregnancyBooked(new DateOnly(2026, 11, 1), weeks))), "late-antenatal-booking");

        Assert.Equal(expected, fact.Value);
        Assert.Equal(expected == 1 ? ["b"] : [], fact.EventIds);
    }

    [Fact]
    public void Overdue_reviews_count_closed_windows_and_cite_the_birth()
    {
        var fact = Fact(ChildFacts(Event("birth", Day(2026, 1, 2), new BirthNotified(new DateOnly(2026, 1, 1), "queens-park"))), "overdue-reviews");

        Assert.Equal(3, fact.Value); // antenatal, new birth, 6-8 week; the 1-year review is due, not overdue
        Assert.Equal(["birth"], fact.EventIds);
    }

    [Fact]
    public void A_review_done_late_stops_counting_as_overdue()
    {
        // Born 1 January 2026, no booking: by 20 November the antenatal contact, the new birth visit and the 6-8 week review
        // are overdue. The health visitor catches up the 6-8 week review in April, late: it is done, and only two are owed.
        var birth = Event("birth", Day(2026, 1, 2), new BirthNotified(new DateOnly(2026, 1, 1), "queens-park"));
        var late = Event("six-eight", Day(2026, 4, 1), new ReviewCompleted(MandatedReview.SixToEightWeek));

        var fact = Fact(ChildFacts(birth, late), "overdue-reviews");

        Assert.Equal(2, fact.Value);
        Assert.Equal(["birth"], fact.EventIds);
        Assert.Equal(0, Fact(ChildFacts(birth,
            Event("antenatal", Day(2025, 12, 1), new ReviewCompleted(MandatedReview.Antenatal)),
            Event("new-birth", Day(2026, 2, 1), new ReviewCompleted(MandatedReview.NewBirth)),
            late), "overdue-reviews").Value);
    }

    [Fact]
    public void Counted_facts_look_back_twelve_months()
    {
        // The twelve months ending today (20 November 2026) start on 21 November 2025, at midnight GMT.
        var facts = ChildFacts(
            Event("m-old", new DateTimeOffset(2025, 11, 20, 23, 59, 59, TimeSpan.Zero), new AppointmentMissed("health-visiting")),
            Event("m-1", new DateTimeOffset(2025, 11, 21, 0, 0, 0, TimeSpan.Zero), new AppointmentMissed("health-visiting")),
            Event("m-2", Now.AddDays(-1), new AppointmentMissed("midwifery")),
            Event("m-future", Now.AddMinutes(1), new AppointmentMissed("midwifery")),
            Event("a-1", Now.AddMonths(-2), new AeAttendance()),
            Event("a-old", Now.AddMonths(-13), new AeAttendance()));

        Assert.Equal(2, Fact(facts, "was-not-brought").Value);
        Assert.Equal(["m-1", "m-2"], Fact(facts, "was-not-brought").EventIds);
        Assert.Equal(1, Fact(facts, "ae-attendances").Value);
        Assert.Equal(["a-1"], Fact(facts, "ae-attendances").EventIds);
    }

    [Theory]
    [InlineData(25, true)]
    [InlineData(26, false)]
    public void Asq3_below_cutoff_uses_the_latest_two_year_scores(int communication, bool below)
    {
        var fact = Fact(ChildFacts(
            Event("old", Day(2026, 3, 1), new ReviewCompleted(MandatedReview.TwoYear, new Asq3Scores(0, 0, 0, 0, 0))),
            Event("new", Day(2026, 4, 1), new ReviewCompleted(MandatedReview.TwoYear, new Asq3Scores(communication, 60, 60, 60, 60))),
            Event("later-without-scores", Day(2026, 5, 1), new ReviewCompleted(MandatedReview.TwoYear))), "asq3-below-cutoff");

        Assert.Equal(below ? 1 : 0, fact.Value);
        Assert.Equal(below ? ["new"] : [], fact.EventIds);
    }

    [Fact]
    public void Immunisations_missed_and_not_since_given()
    {
        var fact = Fact(ChildFacts(
            Event("mmr-missed", Day(2025, 1, 1), new ImmunisationMissed("MMR")),
            Event("mmr-given", Day(2025, 2, 1), new ImmunisationGiven("MMR")),
            Event("six-given", Day(2024, 1, 1), new ImmunisationGiven("6-in-1")),
            Event("six-missed", Day(2024, 3, 1), new ImmunisationMissed("6-in-1")),
            Event("pcv-missed", Day(2025, 3, 1), new ImmunisationMissed("PCV"))), "immunisations-missed");

        Assert.Equal(2, fact.Value);
        Assert.Equal(["six-missed", "pcv-missed"], fact.EventIds);
    }

    [Fact]
    public void Centre_registration_facts()
    {
        var birth = Event("birth", Day(2026, 1, 2), new BirthNotified(new DateOnly(2026, 1, 1), "queens-park"));
        var unregistered = ChildFacts(birth);
        var registered = ChildFacts(birth, Event("reg", Day(2026, 2, 1), new CentreRegistered()));
        var unborn = ChildFacts(Event("b", Day(2026, 5, 1), new PregnancyBooked(new DateOnly(2026, 12, 1), 10)));

        Assert.Equal(["birth"], Fact(unregistered, "not-registered-with-centre").EventIds);
        Assert.Equal(0, Fact(unregistered, "registered-with-centre").Value);
        Assert.Equal(0, Fact(registered, "not-registered-with-centre").Value);
        Assert.Equal(["reg"], Fact(registered, "registered-with-centre").EventIds);
        Assert.Equal(0, Fact(unborn, "not-registered-with-centre").Value);
    }

    [Fact]
    public void Sessions_count_for_three_months()
    {
        Assert.Equal(["s"], Fact(ChildFacts(Event("s", Now.AddMonths(-3).AddDays(1), new SessionAttended("sounds-like-fun"))), "attends-sessions").EventIds);
        Assert.Equal(0, Fact(ChildFacts(Event("s", Now.AddMonths(-3), new SessionAttended("sounds-like-fun"))), "attends-sessions").Value);
        Assert.Equal(["s"], Fact(FamilyFacts(Event("s", Now.AddMonths(-2), new SessionAttended("maternity-drop-in"), childId: null)), "attends-drop-ins").EventIds);
        Assert.Equal(0, Fact(FamilyFacts(Event("s", Now.AddMonths(-4), new SessionAttended("maternity-drop-in"), childId: null)), "attends-drop-ins").Value);
    }

    [Theory]
    [InlineData(Concern.MaternalMentalHealth)]
    [InlineData(Concern.DomesticAbuse)]
    [InlineData(Concern.SubstanceUse)]
    [InlineData(Concern.Housing)]
    [InlineData(Concern.Safeguarding)]
    public void Open_concerns_are_facts_until_resolved(Concern concern)
    {
        var raised = Event("raised", Day(2026, 1, 1), new ConcernRaised(concern));
        var id = "concern-" + concern.ToWireName();

        Assert.Equal(["raised"], Fact(FamilyFacts(raised), id).EventIds);
        Assert.Equal(0, Fact(FamilyFacts(raised, Event("resolved", Day(2026, 2, 1), new ConcernResolved(concern), childId: null)), id).Value);
        Assert.Equal(1, FamilyFacts(raised).Count(f => f.Value == 1));
    }

    [Theory]
    [InlineData(Housing.TemporaryAccommodation, 1)]
    [InlineData(Housing.Overcrowded, 1)]
    [InlineData(Housing.Homeless, 1)]
    [InlineData(Housing.SocialRented, 0)]
    [InlineData(Housing.PrivateRented, 0)]
    [InlineData(Housing.OwnerOccupied, 0)]
    [InlineData(Housing.Other, 0)]
    public void Housing_insecurity(Housing housing, double expected)
    {
        var fact = Fact(FamilyFacts(Event("reg", Day(2026, 1, 1), new FamilyRegistered("queens-park", housing), childId: null)), "housing-insecure");

        Assert.Equal(expected, fact.Value);
    }

    [Fact]
    public void Young_parent_and_gp_follow_the_latest_details()
    {
        var registered = Event("reg", Day(2026, 1, 1), new FamilyRegistered("queens-park", Housing.SocialRented, YoungParent: true, GpRegistered: false), childId: null);
        var changed = Event("chg", Day(2026, 2, 1), new FamilyDetailsChanged(GpRegistered: true), childId: null);

        var facts = FamilyFacts(changed, registered);

        Assert.Equal(["reg"], Fact(facts, "young-parent").EventIds);
        Assert.Equal(["chg"], Fact(facts, "gp-registered").EventIds);
        Assert.Equal(0, Fact(FamilyFacts(registered), "gp-registered").Value);
    }

    [Fact]
    public void Next_change_is_when_a_contact_leaves_its_look_back()
    {
        var child = ChildState.Fold("c-1",
        [
            Event("ae", Now.AddMonths(-11), new AeAttendance()),
            Event("s", Now.AddMonths(-2), new SessionAttended("sounds-like-fun")),
        ]);
        var family = FamilyState.Fold("f-1", [Event("o", Now.AddMonths(-11).AddDays(-5), new ChampionOutreach("ch-1"), childId: null)]);

        // Both of the child's contacts were on 20 December 2025 (12 and 3 months back): they stop counting once the months
        // ending on a day no longer hold that day, at midnight starting 20 December 2026. The family's outreach was five days earlier.
        var next = RiskFacts.NextChange(child, Now);
        Assert.Equal(new DateTimeOffset(2026, 12, 20, 0, 0, 0, TimeSpan.Zero), next);
        Assert.Equal(1, Fact(RiskFacts.ForChild(child, next!.Value.AddTicks(-1)), "attends-sessions").Value);
        Assert.Equal(0, Fact(RiskFacts.ForChild(child, next.Value), "attends-sessions").Value);
        Assert.Equal(new DateTimeOffset(2026, 12, 15, 0, 0, 0, TimeSpan.Zero), RiskFacts.NextChange(family, Now));
        Assert.Null(RiskFacts.NextChange(new FamilyState("f-1"), Now));
    }

    [Theory]
    [InlineData("2024-03-31T10:00:00Z", 12, "2025-03-30T23:00:00Z")] // the twelve months to 31 March 2025 start on 1 April 2024
    [InlineData("2024-02-29T10:00:00Z", 12, "2025-02-28T00:00:00Z")] // those to 28 February 2025 start on 1 March 2024
    [InlineData("2024-01-31T10:00:00Z", 3, "2024-04-29T23:00:00Z")] // the three months to 30 April start on 1 February
    [InlineData("2024-11-29T10:00:00Z", 3, "2025-02-28T00:00:00Z")] // those to 27 February 2025 still start on 28 November
    public void Look_back_expiry_handles_month_ends(string at, int months, string expected)
    {
        var when = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);
        var family = FamilyState.Fold("f-1", [Event("s", when, months == 3 ? new SessionAttended("x") : new ChampionOutreach("ch-1"), childId: null)]);
        var factId = months == 3 ? "attends-drop-ins" : "champion-engaged";

        var next = RiskFacts.NextChange(family, when.AddDays(1))!.Value;

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), next);
        Assert.Equal(1, Fact(RiskFacts.ForFamily(family, next.AddTicks(-1)), factId).Value);
        Assert.Equal(0, Fact(RiskFacts.ForFamily(family, next), factId).Value);
    }

    [Theory]
    [InlineData("2024-03-31T00:30:00+01:00")]
    [InlineData("2024-03-30T23:30:00+00:00")]
    public void A_contact_leaves_its_look_back_at_the_same_instant_whatever_offset_it_was_sent_in(string at)
    {
        // 00:30 at +01:00 on 31 March 2024 was 23:30 GMT on 30 March in London (the clocks went forward an hour later),
        // so the contact counts in the three months to 29 June and leaves at the midnight starting 30 June (BST: 23:00 UTC).
        var family = FamilyState.Fold("f-1", [Event("s", DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), new SessionAttended("x"), childId: null)]);
        var leaves = new DateTimeOffset(2024, 6, 29, 23, 0, 0, TimeSpan.Zero);

        Assert.Equal(leaves, RiskFacts.NextChange(family, new DateTimeOffset(2024, 6, 29, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal(leaves, RiskFacts.NextChange(family, new DateTimeOffset(2024, 6, 29, 13, 0, 0, TimeSpan.FromHours(1))));
        Assert.Equal(1, Fact(RiskFacts.ForFamily(family, leaves.AddTicks(-1)), "attends-drop-ins").Value);
        Assert.Equal(0, Fact(RiskFacts.ForFamily(family, leaves), "attends-drop-ins").Value);
    }

    [Theory]
    [InlineData("2025-05-31T23:30:00+00:00", "2026-05-31T23:15:00+00:00")]
    [InlineData("2025-06-01T00:30:00+01:00", "2026-06-01T00:15:00+01:00")]
    [InlineData("2025-05-31T23:30:00+00:00", "2026-06-01T00:15:00+01:00")]
    public void A_contact_just_after_midnight_in_summer_counts_on_its_programme_day(string at, string now)
    {
        // 23:30 UTC on 31 May 2025 is 00:30 BST on 1 June: at 00:15 BST on 1 June 2026 the twelve months ending today
        // start on 2 June 2025, so it no longer counts; it left at the midnight starting that day, 23:00 UTC.
        var instant = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);
        var asked = DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture);
        var child = ChildState.Fold("c-1", [Event("ae", instant, new AeAttendance())]);

        Assert.Equal(0, Fact(RiskFacts.ForChild(child, asked), "ae-attendances").Value);
        Assert.Equal(1, Fact(RiskFacts.ForChild(child, new DateTimeOffset(2026, 5, 31, 22, 59, 59, TimeSpan.Zero)), "ae-attendances").Value);
        Assert.Equal(new DateTimeOffset(2026, 5, 31, 23, 0, 0, TimeSpan.Zero), RiskFacts.NextChange(child, new DateTimeOffset(2026, 5, 31, 12, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("2024-11-15T10:00:00Z", "2025-02-15T00:00:00Z")] // winter: the programme's midnight is midnight GMT
    [InlineData("2024-12-31T10:00:00Z", "2025-03-30T23:00:00Z")] // 31 March 2025 starts the night the clocks went forward
    [InlineData("2025-07-26T10:00:00Z", "2025-10-25T23:00:00Z")] // 26 October 2025, the day the clocks go back, starts in BST
    public void A_session_leaves_its_three_months_at_the_programmes_midnight(string at, string leaves)
    {
        var child = ChildState.Fold("c-1", [Event("s", DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), new SessionAttended("sounds-like-fun"))]);
        var expected = DateTimeOffset.Parse(leaves, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(expected, RiskFacts.NextChange(child, expected.AddDays(-2)));
        Assert.Equal(1, Fact(RiskFacts.ForChild(child, expected.AddTicks(-1)), "attends-sessions").Value);
        Assert.Equal(0, Fact(RiskFacts.ForChild(child, expected), "attends-sessions").Value);
    }

    [Theory]
    [InlineData("2021-11-20", "2026-11-19T23:59:59Z", false)]
    [InlineData("2021-11-20", "2026-11-20T00:00:00Z", true)] // the fifth birthday starts at midnight GMT
    [InlineData("2021-07-20", "2026-07-19T22:59:59Z", false)]
    [InlineData("2021-07-20", "2026-07-19T23:00:00Z", true)] // in summer at midnight British Summer Time
    [InlineData("2020-02-29", "2025-02-27T12:00:00Z", false)]
    [InlineData("2020-02-29", "2025-02-28T00:00:00Z", true)] // a leap-day child turns five on 28 February, as ages in months are counted
    public void A_child_who_has_turned_five_has_left_the_programme_and_brings_no_factor(string born, string now, bool left)
    {
        // The Healthy Child Programme and the children's centre serve under-fives. On the fifth birthday the child moves on
        // (to school nursing): a 6-8 week review missed four years ago, or two A&E visits last month, are no longer the
        // early-years team's to act on, and must not hold the family's score up for good.
        var dateOfBirth = DateOnly.Parse(born, CultureInfo.InvariantCulture);
        var at = DateTimeOffset.Parse(now, CultureInfo.InvariantCulture);
        var child = ChildState.Fold("c-1",
        [
            Event("booking", Day(dateOfBirth.Year - 1, 1, 1), new PregnancyBooked(dateOfBirth, 20)),
            Event("birth", new DateTimeOffset(dateOfBirth.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero), new BirthNotified(dateOfBirth, "queens-park")),
            Event("ae-1", at.AddDays(-20), new AeAttendance()),
            Event("ae-2", at.AddDays(-10), new AeAttendance()),
            Event("wnb-1", at.AddDays(-30), new AppointmentMissed("health-visiting")),
            Event("wnb-2", at.AddDays(-15), new AppointmentMissed("health-visiting")),
            Event("imm", at.AddMonths(-18), new ImmunisationMissed("MMR")),
        ]);

        var facts = RiskFacts.ForChild(child, at);
        var assessment = RiskEngine.Default.AssessFamily(RiskFacts.ForFamily(new FamilyState("f-1"), at), [("c-1", RiskEngine.Default.AssessChild(facts))]);

        if (left)
        {
            Assert.All(facts, f => Assert.Equal(0, f.Value));
            Assert.Equal(0, assessment.Score);
            Assert.Empty(assessment.Factors);
            Assert.Null(RiskFacts.NextChange(child, at));
        }
        else
        {
            Assert.Equal(5, Fact(facts, RiskFacts.OverdueReviews).Value);
            Assert.Equal(2, Fact(facts, RiskFacts.AeAttendances).Value);
            Assert.Equal(2, Fact(facts, RiskFacts.WasNotBrought).Value);
            Assert.Equal(1, Fact(facts, RiskFacts.ImmunisationsMissed).Value);
            Assert.Equal(1, Fact(facts, RiskFacts.LateAntenatalBooking).Value);
            Assert.Equal(1, Fact(facts, RiskFacts.NotRegisteredWithCentre).Value);

            // The birthday is itself a change: the child's grain looks again at that midnight, with no event to prompt it.
            Assert.Equal(ProgrammeCalendar.QueensPark.StartOf(dateOfBirth.AddYears(5)), RiskFacts.NextChange(child, at));
        }
    }

    [Fact]
    public void A_pregnancy_with_no_birth_record_leaves_the_programme_five_years_after_its_due_date()
    {
        // Booked, due 1 October 2021, and no birth record ever came (born elsewhere, or the notification was never shared):
        // the antenatal contact stays overdue until the child would have turned five, not for ever.
        var child = ChildState.Fold("c-1", [Event("booking", Day(2021, 3, 1), new PregnancyBooked(new DateOnly(2021, 10, 1), 10))]);

        Assert.Equal(1, Fact(RiskFacts.ForChild(child, Day(2026, 9, 30)), RiskFacts.OverdueReviews).Value);
        Assert.Equal(new DateTimeOffset(2026, 9, 30, 23, 0, 0, TimeSpan.Zero), RiskFacts.NextChange(child, Day(2026, 9, 30)));
        Assert.Equal(0, Fact(RiskFacts.ForChild(child, Day(2026, 10, 1)), RiskFacts.OverdueReviews).Value);
    }

    [Fact]
    public void Champion_engagement_lasts_twelve_months()
    {
        var facts = FamilyFacts(
            Event("o-old", Now.AddMonths(-13), new ChampionOutreach("ch-1"), childId: null),
            Event("o-2", Now.AddMonths(-2), new ChampionOutreach("ch-2"), childId: null),
            Event("o-1", Now.AddMonths(-11), new ChampionOutreach("ch-1"), childId: null));

        Assert.Equal(["o-1", "o-2"], Fact(facts, "champion-engaged").EventIds);
        Assert.Equal(0, Fact(FamilyFacts(Event("o-old", Now.AddMonths(-13), new ChampionOutreach("ch-1"), childId: null)), "champion-engaged").Value);
    }
}

public sealed class RiskEngineTests
{
    private static readonly RiskEngine Engine = RiskEngine.Default;

    /// <summary>For each factor of the default file: events that make it fire, and the events it must cite.</summary>
    public static TheoryData<string, double, string[]> FactorScenarios() => new()
    {
        { "late-antenatal-booking", 2, ["b"] },
        { "overdue-reviews", 4, ["birth"] },
        { "was-not-brought", 4, ["m-3", "m-2", "m-1"] },
        { "ae-attendances", 6, ["a-4", "a-3", "a-2", "a-1"] },
        { "asq3-below-cutoff", 3, ["two"] },
        { "immunisations-missed", 2, ["imm"] },
        { "not-registered-with-centre-by-8-weeks", 2, ["birth"] },
        { "registered-with-centre", -1, ["reg"] },
        { "attends-sessions", -1, ["s"] },
        { "concern-maternal-mental-health", 4, ["c"] },
        { "concern-domestic-abuse", 6, ["c"] },
        { "concern-substance-use", 5, ["c"] },
        { "concern-housing", 2, ["c"] },
        { "concern-safeguarding", 8, ["c"] },
        { "young-parent", 2, ["fam"] },
        { "housing-insecure", 3, ["fam"] },
        { "champion-engaged", -1, ["o"] },
        { "family-attends-drop-ins", -1, ["d"] },
        { "gp-registered", -1, ["fam"] },
    };

    private static List<ContactEvent> Scenario(string factor)
    {
        var birth = Event("birth", Day(2026, 1, 2), new BirthNotified(new DateOnly(2026, 1, 1), "queens-park"));
        return factor switch
        {
            "late-antenatal-booking" => [Event("b", Day(2026, 5, 1), new PregnancyBooked(new DateOnly(2026, 12, 1), 14))],
            "overdue-reviews" or "not-registered-with-centre-by-8-weeks" => [birth],
            "was-not-brought" => [.. Enumerable.Range(1, 3).Select(i => Event($"m-{i}", Now.AddDays(-i), new AppointmentMissed("health-visiting")))],
            "ae-attendances" => [.. Enumerable.Range(1, 4).Select(i => Event($"a-{i}", Now.AddDays(-i), new AeAttendance()))],
            "asq3-below-cutoff" => [Event("two", Day(2026, 4, 1), new ReviewCompleted(MandatedReview.TwoYear, new Asq3Scores(50, 10, 50, 50, 50)))],
            "immunisations-missed" => [Event("imm", Day(2026, 4, 1), new ImmunisationMissed("MMR"))],
            "registered-with-centre" => [Event("reg", Day(2026, 4, 1), new CentreRegistered())],
            "attends-sessions" => [Event("s", Now.AddDays(-10), new SessionAttended("sounds-like-fun"))],
            "family-attends-drop-ins" => [Event("d", Now.AddDays(-10), new SessionAttended("maternity-drop-in"), childId: null)],
            "young-parent" => [Event("fam", Day(2026, 1, 1), new FamilyRegistered("queens-park", Housing.SocialRented, YoungParent: true), childId: null)],
            "housing-insecure" => [Event("fam", Day(2026, 1, 1), new FamilyRegistered("queens-park", Housing.Homeless), childId: null)],
            "gp-registered" => [Event("fam", Day(2026, 1, 1), new FamilyRegistered("queens-park", Housing.SocialRented, GpRegistered: true), childId: null)],
            "champion-engaged" => [Event("o", Now.AddDays(-10), new ChampionOutreach("ch-1"), childId: null)],
            _ when factor.StartsWith("concern-", StringComparison.Ordinal) => [Event("c", Day(2026, 1, 1), new ConcernRaised(
                Enum.GetValues<Concern>().Single(c => "concern-" + c.ToWireName() == factor)))],
            _ => throw new ArgumentOutOfRangeException(nameof(factor)),
        };
    }

    [Theory]
    [MemberData(nameof(FactorScenarios))]
    public void Every_factor_fires_with_its_event_ids(string factorId, double weight, string[] eventIds)
    {
        var events = Scenario(factorId);
        var child = ChildState.Fold("c-1", events);
        var family = FamilyState.Fold("f-1", events);

        var childAssessment = Engine.AssessChild(RiskFacts.ForChild(child, Now));
        var assessment = Engine.AssessFamily(RiskFacts.ForFamily(family, Now), [("c-1", childAssessment)]);

        var contribution = Assert.Single(assessment.Factors, f => f.Id == factorId);
        Assert.Equal(weight, contribution.Weight);
        Assert.Equal(eventIds, contribution.EventIds);
        Assert.False(string.IsNullOrWhiteSpace(contribution.Description));
        var scope = Engine.Rules.Factors.Single(f => f.Id == factorId).AppliesTo;
        Assert.Equal(scope == RiskScope.Child ? "c-1" : null, contribution.ChildId);
        Assert.Equal("risk-rules.v2", assessment.RulesVersion);
    }

    [Fact]
    public void Every_factor_in_the_file_has_a_scenario()
    {
        Assert.Equal(
            Engine.Rules.Factors.Select(f => f.Id).Order(),
            FactorScenarios().Select(row => (string)row[0]).Order());
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(2, 4.0)]
    [InlineData(3, 6.0)]
    [InlineData(4, 6.0)]
    [InlineData(9, 6.0)]
    public void Counted_factor_adds_per_unit_up_to_its_cap(double attendances, double? points)
    {
        var factor = Engine.Rules.Factors.Single(f => f.Id == "ae-attendances");

        Assert.Equal(points, factor.Contribution(attendances));
    }

    [Theory]
    [InlineData(0, ServiceLevel.Universal)]
    [InlineData(3.9, ServiceLevel.Universal)]
    [InlineData(4, ServiceLevel.UniversalPlus)]
    [InlineData(9.9, ServiceLevel.UniversalPlus)]
    [InlineData(10, ServiceLevel.UniversalPartnershipPlus)]
    public void Thresholds_suggest_levels(double score, ServiceLevel level)
    {
        Assert.Equal(level, Engine.SuggestLevel(score));
    }

    [Fact]
    public void Child_score_is_the_sum_and_never_below_zero()
    {
        var risky = Engine.AssessChild(
        [
            new RiskFact("late-antenatal-booking", 1, ["b"]),
            new RiskFact("asq3-below-cutoff", 1, ["a"]),
            new RiskFact("registered-with-centre", 1, ["r"]),
            new RiskFact("not-a-fact", 1, ["x"]),
        ]);
        var protectedOnly = Engine.AssessChild([new RiskFact("registered-with-centre", 1, ["r"]), new RiskFact("attends-sessions", 1, ["s"])]);

        Assert.Equal(4, risky.Score);
        Assert.Equal(ServiceLevel.UniversalPlus, risky.SuggestedLevel);
        Assert.Equal(["late-antenatal-booking", "asq3-below-cutoff", "registered-with-centre"], risky.Factors.Select(f => f.Id));
        Assert.Equal(0, protectedOnly.Score);
        Assert.Equal(ServiceLevel.Universal, protectedOnly.SuggestedLevel);
        Assert.Equal(2, protectedOnly.Factors.Count);
    }

    [Fact]
    public void Family_score_adds_its_highest_child_and_lists_that_childs_factors()
    {
        var low = Engine.AssessChild([new RiskFact("late-antenatal-booking", 1, ["b"])]);
        var high = Engine.AssessChild([new RiskFact("asq3-below-cutoff", 1, ["a"]), new RiskFact("immunisations-missed", 1, ["i"])]);

        var family = Engine.AssessFamily([new RiskFact("young-parent", 1, ["y"]), new RiskFact("gp-registered", 1, ["g"])], [("c-low", low), ("c-high", high)]);

        Assert.Equal(2 - 1 + 5, family.Score);
        Assert.Equal(ServiceLevel.UniversalPlus, family.SuggestedLevel);
        Assert.Equal(
            [("young-parent", null), ("gp-registered", null), ("asq3-below-cutoff", "c-high"), ("immunisations-missed", "c-high")],
            family.Factors.Select(f => (f.Id, f.ChildId)));
    }

    [Fact]
    public void Ties_between_children_go_to_the_lowest_child_id()
    {
        var a = Engine.AssessChild([new RiskFact("late-antenatal-booking", 1, ["a"])]);
        var b = Engine.AssessChild([new RiskFact("immunisations-missed", 1, ["b"])]);

        Assert.Equal("c-a", Engine.AssessFamily([], [("c-b", b), ("c-a", a)]).Factors.Single().ChildId);
        Assert.Equal("c-a", Engine.AssessFamily([], [("c-a", a), ("c-b", b)]).Factors.Single().ChildId);
    }

    [Fact]
    public void A_family_without_children_scores_its_own_factors()
    {
        var family = Engine.AssessFamily([new RiskFact("concern-safeguarding", 1, ["s"]), new RiskFact("young-parent", 1, ["y"])], []);

        Assert.Equal(10, family.Score);
        Assert.Equal(ServiceLevel.UniversalPartnershipPlus, family.SuggestedLevel);
    }

    [Fact]
    public void Mixing_rule_versions_is_refused()
    {
        var other = new RiskEngine(new RiskRules("risk-rules.test", 1, 2, []));
        var child = other.AssessChild([]);

        Assert.Throws<ArgumentException>(() => Engine.AssessFamily([], [("c-1", child)]));
    }

    [Fact]
    public void A_group_counts_its_strongest_factor_once_in_its_place_citing_every_event_of_the_group()
    {
        RiskFactor Factor(string id, double weight, string? group) =>
            new(id, id, weight, "BRIEF.md", RiskScope.Family, new FactCondition(id, null, true), Group: group);
        var engine = new RiskEngine(new RiskRules("risk-rules.test", 4, 10,
        [
            Factor("young-parent", 1, "g"),
            Factor("gp-registered", -1, null),
            Factor("housing-insecure", 3, "g"),
        ]));

        var both = engine.AssessFamily([new RiskFact("young-parent", 1, ["y"]), new RiskFact("gp-registered", 1, ["gp"]), new RiskFact("housing-insecure", 1, ["h"])], []);
        var one = engine.AssessFamily([new RiskFact("young-parent", 1, ["y"])], []);

        Assert.Equal([("gp-registered", -1.0, new[] { "gp" }), ("housing-insecure", 3.0, new[] { "h", "y" })], both.Factors.Select(f => (f.Id, f.Weight, f.EventIds.ToArray())));
        Assert.Equal(3 - 1, both.Score);
        Assert.Equal(1, Assert.Single(one.Factors).Weight);
    }

    [Fact]
    public void Family_risk_follows_its_children()
    {
        var events = new List<ContactEvent>
        {
            Event("reg", Day(2025, 1, 1), new FamilyRegistered("queens-park", Housing.SocialRented, GpRegistered: true), childId: null),
            Event("birth-1", Day(2025, 6, 2), new BirthNotified(new DateOnly(2025, 6, 1), "queens-park"), childId: "c-1"),
            Event("birth-2", Day(2026, 9, 2), new BirthNotified(new DateOnly(2026, 9, 1), "queens-park"), childId: "c-2"),
            Event("centre-1", Day(2025, 7, 1), new CentreRegistered(), childId: "c-1"),
        };

        RiskAssessment Assess(IEnumerable<ContactEvent> all)
        {
            var family = FamilyState.Fold("f-1", all);
            var children = family.ChildIds.Select(id => (id, Engine.AssessChild(RiskFacts.ForChild(ChildState.Fold(id, all), Now))));
            return Engine.AssessFamily(RiskFacts.ForFamily(family, Now), children);
        }

        var before = Assess(events);
        var after = Assess([.. events, .. Enumerable.Range(1, 3).Select(i => Event($"ae-{i}", Now.AddDays(-i), new AeAttendance(), childId: "c-1"))]);

        // Before: the newborn c-2 (3 overdue reviews, not registered: 6) outscores c-1 (4 overdue, registered: 4).
        Assert.Equal(6 - 1, before.Score);
        Assert.All(before.Factors.Where(f => f.ChildId is not null), f => Assert.Equal("c-2", f.ChildId));

        // After three A&E attendances c-1 scores 10 and the family follows it.
        Assert.Equal(10 - 1, after.Score);
        Assert.Equal(ServiceLevel.UniversalPlus, after.SuggestedLevel);
        Assert.Equal("c-1", after.Factors.Single(f => f.Id == "ae-attendances").ChildId);
        Assert.All(after.Factors.Where(f => f.ChildId is not null), f => Assert.Equal("c-1", f.ChildId));
    }
}

public sealed class RiskRulesTests
{
    private const string ValidFactor = """{"id":"young-parent","description":"d","weight":2,"source":"BRIEF.md","appliesTo":"family","condition":{"fact":"young-parent","isTrue":true}}""";

    private static string File(string factors, string thresholds = """{"universalPlus":4,"universalPartnershipPlus":10}""") =>
        $$"""{"version":"t","thresholds":{{thresholds}},"factors":[{{factors}}]}""";

    [Fact]
    public void Default_rules_load_and_cover_every_fact_from_the_brief()
    {
        var rules = RiskRules.LoadDefault();
        var shipped = RiskRules.Load(Path.Combine(AppContext.BaseDirectory, "Risk", "risk-rules.v2.json"));
        var v1 = RiskRules.Load(Path.Combine(AppContext.BaseDirectory, "Risk", "risk-rules.v1.json"));

        Assert.Equal("risk-rules.v2", rules.Version);
        Assert.Equal(4, rules.UniversalPlusFrom);
        Assert.Equal(10, rules.UniversalPartnershipPlusFrom);

        // v2 reads every fact but the two whose meanings it replaced; v1's file still loads, to compare against.
        string[] replaced = [RiskFacts.NotRegisteredWithCentre, RiskFacts.AttendsDropIns];
        Assert.Equal(RiskFacts.Catalogue.Select(f => f.Id).Except(replaced).Order(), rules.Factors.Select(f => f.Condition.Fact).Distinct().Order());
        Assert.Equal(
            RiskFacts.Catalogue.Select(f => f.Id).Except([RiskFacts.NotRegisteredWithCentreBy8Weeks, RiskFacts.FamilyAttendsDropIns]).Order(),
            v1.Factors.Select(f => f.Condition.Fact).Distinct().Order());
        Assert.All(rules.Factors, f => Assert.Contains("BRIEF.md", f.Source, StringComparison.Ordinal));
        Assert.All(rules.Factors.Where(f => f.Description.Contains("protective", StringComparison.Ordinal)), f => Assert.True(f.Weight < 0));
        Assert.Equal(rules.Factors.ToArray(), shipped.Factors.ToArray());
    }

    [Fact]
    public void A_minimal_custom_file_loads()
    {
        var rules = RiskRules.Load(new MemoryStream(Encoding.UTF8.GetBytes(File(ValidFactor))));

        var factor = Assert.Single(rules.Factors);
        Assert.Equal(new FactCondition("young-parent", null, true), factor.Condition);
        Assert.Equal(RiskScope.Family, factor.AppliesTo);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("""{"thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[]}""", "version")]
    [InlineData("""{"version":"t","factors":[]}""", "thresholds: required")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[]}""", "factors: required non-empty array")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[1],"extra":1}""", "$.extra")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":10,"universalPartnershipPlus":4},"factors":[{"id":"young-parent","description":"d","weight":2,"source":"s","appliesTo":"family","condition":{"fact":"young-parent","isTrue":true}}]}""", "must be above universalPlus")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":"4","universalPartnershipPlus":10},"factors":[1]}""", "thresholds.universalPlus")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[1]}""", "factors[0]: must be an object")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"description":"d","weight":2,"source":"s","appliesTo":"family","condition":{"fact":"young-parent","isTrue":true}}]}""", "factors[0].id")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":"2","source":"s","appliesTo":"family","condition":{"fact":"young-parent","isTrue":true}}]}""", "factors[0].weight")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"appliesTo":"family","condition":{"fact":"young-parent","isTrue":true}}]}""", "factors[0].source")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"household","condition":{"fact":"young-parent","isTrue":true}}]}""", "factors[0].appliesTo")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"child","condition":{"fact":"young-parent","isTrue":true}}]}""", "is a family fact")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"family","condition":{"fact":"star-sign","isTrue":true}}]}""", "not a known fact")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"family","condition":{"fact":"young-parent"}}]}""", "exactly one of atLeast or isTrue")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"family","condition":{"fact":"young-parent","isTrue":true,"atLeast":1}}]}""", "exactly one of atLeast or isTrue")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"family","condition":{"fact":"young-parent","isTrue":"yes"}}]}""", "isTrue: must be true or false")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"family"}]}""", "factors[0].condition: required")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"perUnit":1,"source":"s","appliesTo":"child","condition":{"fact":"ae-attendances","atLeast":2}}]}""", "cap: required with perUnit")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"perUnit":1,"cap":5,"source":"s","appliesTo":"family","condition":{"fact":"young-parent","isTrue":true}}]}""", "only for counted facts")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":4,"perUnit":1,"cap":3,"source":"s","appliesTo":"child","condition":{"fact":"ae-attendances","atLeast":2}}]}""", "must not be nearer zero than weight")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":4,"cap":3,"source":"s","appliesTo":"child","condition":{"fact":"ae-attendances","atLeast":2}}]}""", "cap: only with perUnit")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"family","condition":{"fact":"young-parent","isTrue":true},"colour":"red"}]}""", "factors[0].colour")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"family","condition":{"fact":"young-parent","isTrue":true}},{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"family","condition":{"fact":"gp-registered","isTrue":true}}]}""", "appears twice")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"family","group":"g","condition":{"fact":"young-parent","isTrue":true}},{"id":"y","description":"d","weight":-1,"source":"s","appliesTo":"family","group":"g","condition":{"fact":"gp-registered","isTrue":true}}]}""", "factors[1].group: 'g' must hold factors of one scope that are all risks or all protective")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"family","group":"g","condition":{"fact":"young-parent","isTrue":true}},{"id":"y","description":"d","weight":2,"source":"s","appliesTo":"child","group":"g","condition":{"fact":"late-antenatal-booking","isTrue":true}}]}""", "factors[1].group")]
    [InlineData("""{"version":"t","thresholds":{"universalPlus":4,"universalPartnershipPlus":10},"factors":[{"id":"x","description":"d","weight":2,"source":"s","appliesTo":"family","group":7,"condition":{"fact":"young-parent","isTrue":true}}]}""", "factors[0].group")]
    public void Malformed_rules_files_are_rejected(string json, string problem)
    {
        var error = Assert.Throws<DataFileException>(() => RiskRules.Load(new MemoryStream(Encoding.UTF8.GetBytes(json))));

        Assert.Contains(error.Problems, p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_in_a_rules_file_is_listed()
    {
        const string json = """{"version":"","thresholds":{"universalPlus":4},"factors":[{"id":"x","weight":2,"source":"s","appliesTo":"family","condition":{"fact":"nope","isTrue":true}}]}""";

        var error = Assert.Throws<DataFileException>(() => RiskRules.Load(new MemoryStream(Encoding.UTF8.GetBytes(json))));

        Assert.Equal(4, error.Problems.Count);
    }
}
