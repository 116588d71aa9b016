using QpActors.Domain;
using QpActors.Figures.CostBenefit;
using QpActors.Figures.Publishing;
using QpActors.Figures.Reach;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>A figures document's notes say the same for the same figures, whatever order the entries arrived in.</summary>
public sealed class FiguresNotesTests
{
    private static readonly WardFiguresBuilder Builder =
        new(ServiceCatalogue.LoadDefault(), CostBenefitAssumptions.LoadDefault(), ProgrammeCalendar.QueensPark);

    private static readonly FiguresQuery Query = new("rolling-12-months", null, "default");

    [Fact]
    public void A_ward_whose_champion_report_is_still_on_its_way_notes_the_same_as_once_it_has_come()
    {
        const string ward = "queens-park";
        var family = new FamilyContribution("notes-f1", ward, 0, "universal", null, 0, [], [], [], ["notes-champ-a", "notes-champ-b"], 2, [], false, [],
            Cluster.Start, false, 0);
        var first = new ChampionContribution("notes-champ-a", ward, 0, 0, 1);
        var second = new ChampionContribution("notes-champ-b", ward, 0, 0, 1);

        // The family's entry came with champion b's first outreach; b's own entry comes in a later batch of the feed.
        var waiting = Builder.BuildWard(ward, [], [family], [first], Query, Cluster.Start);
        var come = Builder.BuildWard(ward, [], [family], [first, second], Query, Cluster.Start.AddSeconds(1));

        Assert.Equal(come["notes"]!.ToJsonString(), waiting["notes"]!.ToJsonString());
    }

    [Fact]
    public void An_areas_notes_are_in_one_order_whichever_of_its_wards_carry_them()
    {
        var area = Builder.Area("north-westminster")!;
        var champion = new ChampionContribution("notes-champ", "x", 0, 0, 1);
        // Through their JSON, as the ward grains hand them to the area.
        var document = (string ward, bool reported) => Figures.Parse(Builder.BuildWard(ward, [], [], reported ? [champion with { WardCode = ward }] : [], Query, Cluster.Start)
            .ToJsonString(FiguresLayout.JsonOptions));
        var codes = area.Wards.Select(w => w.Id).ToList();

        // Before and after the first ward's first champion report: the note that no champion has reported is still the
        // other wards', so the area's notes are the same notes.
        var before = Builder.BuildArea(area, codes.Select(c => document(c, false)).ToList(), "default");
        var after = Builder.BuildArea(area, codes.Select((c, i) => document(c, i == 0)).ToList(), "default");

        Assert.Equal(before["notes"]!.ToJsonString(), after["notes"]!.ToJsonString());
    }
}
