using QpActors.Domain;
using QpActors.Figures.CostBenefit;
using QpActors.Figures.Reach;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// Every "last 12 months" figure of a ward's document covers the same span: the month of asOf and the eleven whole
/// months before it, since contacts are tallied per calendar month. A child seen on a day within a year of asOf but in
/// the month before that span is neither active, nor counted in the contacts, nor seen.
/// </summary>
public sealed class LastTwelveMonthsTests
{
    // 20 May 2026: the last 12 months are June 2025 to 20 May 2026; a year of days would start on 21 May 2025.
    private static readonly DateTimeOffset Now = new(2026, 5, 20, 12, 0, 0, TimeSpan.Zero);

    private readonly WardFiguresBuilder _builder = new(ServiceCatalogue.LoadDefault(), CostBenefitAssumptions.LoadDefault(), ProgrammeCalendar.QueensPark);

    [Fact]
    public void A_contact_within_a_year_of_days_but_before_the_twelve_months_counts_in_no_year_figure()
    {
        ChildContribution[] children =
        [
            Child("late-may", "f-1", new DateOnly(2025, 5, 25), contacts: 1, missed: 1),
            Child("early-june", "f-2", new DateOnly(2025, 6, 3), contacts: 2, missed: 1),
        ];

        var document = _builder.BuildWard("queens-park", children, [], [], new FiguresQuery("month", null, "default"), Now);

        var visiting = document["caseload"]!["health-visiting"]!;
        Assert.Equal(1, visiting["activeChildren"]!.GetValue<int>());
        Assert.Equal(1, visiting["activeFamilies"]!.GetValue<int>());
        Assert.Equal(2, visiting["contactsLast12Months"]!.GetValue<int>());
        Assert.Equal(1, visiting["missedAppointments"]!.GetValue<int>());
        Assert.Equal(1, Figures.Count(document, "unitCost.byService.health-visiting.childrenReached"));
        Assert.Equal(1, Figures.Count(document, "reach.seen12Months"));
        Assert.Equal(2, Figures.Count(document, "reach.reached"));
    }

    [Fact]
    public void The_document_names_the_twelve_months_and_the_rolling_period_is_the_same_months()
    {
        var document = _builder.BuildWard("queens-park", [], [], [], new FiguresQuery(WardFiguresBuilder.Rolling12Months, null, "default"), Now);

        Assert.Equal("2025-06-01", Figures.Node(document, "last12Months.start")!.GetValue<string>());
        Assert.Equal("2026-05-20", Figures.Node(document, "last12Months.end")!.GetValue<string>());
        Assert.Contains("caseload.*.contactsLast12Months", Figures.Node(document, "last12Months.figures")!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal("2025-06-01", Figures.Node(document, "period.start")!.GetValue<string>());
        Assert.Equal(Figures.Node(document, "last12Months.label")!.GetValue<string>(), Figures.Node(document, "period.label")!.GetValue<string>());
        Assert.Contains(document["notes"]!.AsArray(), n => n!.GetValue<string>().Contains("calendar month", StringComparison.Ordinal));
    }

    [Fact]
    public void The_year_figures_keep_the_small_number_rule_when_published()
    {
        var children = Enumerable.Range(0, 12)
            .Select(i => Child($"c{i}", $"f{i}", i < 9 ? new DateOnly(2025, 5, 25) : new DateOnly(2025, 6, 3), contacts: 1, missed: 0))
            .ToArray();
        var document = _builder.BuildWard("queens-park", children, [], [], new FiguresQuery("month", null, "default"), Now);

        var published = Figures.Parse(QpActors.Figures.Publishing.FiguresPublisher.ForCommission(document.ToJsonString()));

        Assert.Equal(3, Figures.Count(document, "caseload.health-visiting.activeChildren"));
        Assert.Equal(3, Figures.Count(document, "reach.seen12Months"));
        Assert.Null(Figures.Node(published, "caseload.health-visiting.activeChildren"));
        Assert.Null(Figures.Node(published, "caseload.health-visiting.contactsLast12Months"));
        Assert.Null(Figures.Node(published, "reach.seen12Months"));
        Assert.Equal(10, Figures.Count(published, "reach.known"));
    }

    private static ChildContribution Child(string id, string family, DateOnly contact, int contacts, int missed)
    {
        var month = contact.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var tally = new ServiceContactTally(
            "health-visiting", contact, new Dictionary<string, int> { [month] = contacts }, missed, 0, 0,
            missed > 0 ? new Dictionary<string, int> { [month] = missed } : new Dictionary<string, int>());
        return new ChildContribution(
            id, family, "queens-park", true, new DateOnly(2025, 1, 10), null, null, null, null, null, null, null, false,
            null, contact, 0, "universal", [], [tally], 0, false);
    }
}
