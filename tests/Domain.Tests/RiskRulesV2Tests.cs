using QpActors.Domain.Events;
using QpActors.Domain.Model;
using QpActors.Domain.Risk;
using static QpActors.Domain.Tests.TestData;

namespace QpActors.Domain.Tests;

/// <summary>
/// The meanings risk-rules.v2 changed from v1, each as a health-visiting lead would state it. Expected points are read
/// from the rules file, so recalibrating a weight does not break the meaning these tests hold.
/// </summary>
public sealed class RiskRulesV2Tests
{
    private static readonly RiskEngine Engine = RiskEngine.Default;
    private static readonly DateOnly Born = new(2026, 9, 1);

    private static double WeightOf(string factorId) => Engine.Rules.Factors.Single(f => f.Id == factorId).Weight;

    private static RiskAssessment AssessFamily(IReadOnlyList<ContactEvent> events, DateTimeOffset at)
    {
        var family = FamilyState.Fold("f-1", events);
        var children = family.ChildIds.Select(id => (id, Engine.AssessChild(RiskFacts.ForChild(ChildState.Fold(id, events), at))));
        return Engine.AssessFamily(RiskFacts.ForFamily(family, at), children);
    }

    private static ContactEvent Birth() =>
        Event("birth", new DateTimeOffset(Born.ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero), new BirthNotified(Born, "queens-park"));

    [Fact]
    public void The_shipped_rules_are_v2_and_v1_stays_beside_them_for_comparison()
    {
        var v1 = RiskRules.Load(Path.Combine(AppContext.BaseDirectory, "Risk", "risk-rules.v1.json"));

        Assert.Equal("risk-rules.v2", Engine.Rules.Version);
        Assert.Equal("risk-rules.v1", v1.Version);
    }

    [Fact]
    public void A_childs_session_is_one_protective_factor_not_also_the_familys()
    {
        // A practitioner: "she brought the baby to Sounds Like Fun once; that is one good sign, not two".
        var events = new[] { Birth(), Event("s", Now.AddDays(-10), new SessionAttended("sounds-like-fun")) };

        var assessment = AssessFamily(events, Now);

        var citing = Assert.Single(assessment.Factors, f => f.EventIds.Contains("s"));
        Assert.Equal("attends-sessions", citing.Id);
        Assert.Equal("c-1", citing.ChildId);
        Assert.Equal(WeightOf("attends-sessions"), citing.Weight);
    }

    [Fact]
    public void A_drop_in_naming_no_child_is_the_familys_own_protective_factor()
    {
        // A mother at the maternity champions' weekly drop-in, recorded for the family: the family's attendance.
        var events = new[] { Birth(), Event("d", Now.AddDays(-10), new SessionAttended("maternity-drop-in"), childId: null) };

        var assessment = AssessFamily(events, Now);

        var citing = Assert.Single(assessment.Factors, f => f.EventIds.Contains("d"));
        Assert.Null(citing.ChildId);
        Assert.True(citing.Weight < 0);
    }

    [Fact]
    public void One_housing_need_counts_once_at_the_higher_weight_citing_both_events()
    {
        // Homeless, and the health visitor raised a housing concern about it: one need, counted once, with both records shown.
        var events = new[]
        {
            Event("fam", Day(2026, 1, 1), new FamilyRegistered("queens-park", Housing.Homeless), childId: null),
            Event("c", Day(2026, 2, 1), new ConcernRaised(Concern.Housing), childId: null),
        };
        var higher = Math.Max(WeightOf("concern-housing"), WeightOf("housing-insecure"));

        var assessment = AssessFamily(events, Now);

        var housing = Assert.Single(assessment.Factors, f => f.EventIds.Contains("fam") || f.EventIds.Contains("c"));
        Assert.Equal(higher, housing.Weight);
        Assert.Equal(["c", "fam"], housing.EventIds.Order(StringComparer.Ordinal));
        Assert.Equal(higher, assessment.Score);
    }

    [Fact]
    public void A_housing_concern_alone_still_counts_its_own_weight()
    {
        var assessment = AssessFamily([Event("c", Day(2026, 2, 1), new ConcernRaised(Concern.Housing), childId: null)], Now);

        Assert.Equal(WeightOf("concern-housing"), Assert.Single(assessment.Factors).Weight);
    }

    [Theory]
    [InlineData(0, false)] // the day of birth: nobody could have registered the baby yet
    [InlineData(14, false)] // after the new birth visit, when the centre usually registers
    [InlineData(56, false)] // 8 weeks old: the day the 6-8 week review is due by, still in time
    [InlineData(57, true)] // the day after: not registered by 8 weeks
    public void A_newborn_counts_as_unregistered_only_after_eight_weeks(int ageInDays, bool counts)
    {
        var at = new DateTimeOffset(Born.AddDays(ageInDays).ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);

        var child = Engine.AssessChild(RiskFacts.ForChild(ChildState.Fold("c-1", [Birth()]), at));

        var unregistered = child.Factors.Where(f => f.Id.StartsWith("not-registered-with-centre", StringComparison.Ordinal)).ToArray();
        if (counts)
        {
            Assert.Equal(["birth"], Assert.Single(unregistered).EventIds);
        }
        else
        {
            Assert.Empty(unregistered);
        }
    }

    [Fact]
    public void The_end_of_the_registration_grace_is_a_change_with_no_event()
    {
        // Every review done on time, the 6-8 week one early at 6 weeks: the next review change is the 1-year window in
        // 9 months, but the baby starts counting as unregistered at the midnight starting its 57th day, and its grain
        // must look again then.
        ContactEvent[] events =
        [
            Event("booking", Day(2026, 2, 1), new PregnancyBooked(Born, 10)),
            Event("antenatal", Day(2026, 7, 1), new ReviewCompleted(MandatedReview.Antenatal)),
            Birth(),
            Event("new-birth", Day(2026, 9, 12), new ReviewCompleted(MandatedReview.NewBirth)),
            Event("six-eight", Day(2026, 10, 13), new ReviewCompleted(MandatedReview.SixToEightWeek)),
        ];
        var child = ChildState.Fold("c-1", events);
        var graceEnds = ProgrammeCalendar.QueensPark.StartOf(Born.AddDays(57));

        Assert.Equal(graceEnds, RiskFacts.NextChange(child, Day(2026, 10, 14)));
        Assert.Equal(0, Engine.AssessChild(RiskFacts.ForChild(child, graceEnds.AddTicks(-1))).Score);
        Assert.Equal(WeightOf("not-registered-with-centre-by-8-weeks"), Engine.AssessChild(RiskFacts.ForChild(child, graceEnds)).Score);

        // Registered in time, there is nothing to look again for until the 1-year review's window opens at 9 months.
        var registered = ChildState.Fold("c-1", [.. events, Event("reg", Day(2026, 9, 20), new CentreRegistered())]);
        Assert.Equal(ProgrammeCalendar.QueensPark.StartOf(Born.AddMonths(9)), RiskFacts.NextChange(registered, Day(2026, 10, 14)));
    }

    [Fact]
    public void The_fifth_birthday_is_named_in_the_rules_notes()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Risk", "risk-rules.v2.json"));

        Assert.Contains("fifth birthday", text, StringComparison.Ordinal);
    }
}
