using QpActors.Domain;
using QpActors.Figures.CostBenefit;
using QpActors.Figures.Reach;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>A ward's months end at the programme's midnight (Europe/London), not at midnight UTC.</summary>
public sealed class MonthEndTests
{
    [Fact]
    public void A_financial_year_starts_at_midnight_british_summer_time()
    {
        var builder = new WardFiguresBuilder(ServiceCatalogue.LoadDefault(), CostBenefitAssumptions.LoadDefault(), ProgrammeCalendar.QueensPark);

        // 23:30 UTC on 31 March 2026 is 00:30 BST on 1 April, the first day of 2026/27.
        var document = builder.BuildWard("queens-park", [], [], [], new FiguresQuery("quarter", null, "default"), new DateTimeOffset(2026, 3, 31, 23, 30, 0, TimeSpan.Zero));

        Assert.Equal("2026-04-01", document["asOf"]!.GetValue<string>());
        Assert.Equal("2026/27 Q1", Figures.Node(document, "period.label")!.GetValue<string>());
    }

    [Fact]
    public async Task June_ends_for_the_ward_at_midnight_british_summer_time()
    {
        await using var cluster = await Cluster.StartAsync();
        var ward = cluster.Client.GetGrain<IWardGrain>("westbourne");
        Assert.Equal("2026-05", (await ward.TakeSnapshotIfDueAsync())?.Month);

        // 23:30 UTC on 30 June 2026 is 00:30 BST on 1 July: June is over, and today is 1 July.
        cluster.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 30, 23, 30, 0, TimeSpan.Zero));
        var june = await ward.TakeSnapshotIfDueAsync();
        var today = await Figures.WardAsync(cluster.Client, "westbourne", new FiguresQuery("month", null, "default"));

        Assert.Equal("2026-06", june?.Month);
        Assert.Equal("2026-06-30", Figures.Parse(june!.Document)["asOf"]!.GetValue<string>());
        Assert.Equal("2026-07-01", today["asOf"]!.GetValue<string>());
        Assert.Equal("2026-07-01", Figures.Node(today, "period.start")!.GetValue<string>());
        Assert.Equal("2026-07", Figures.Node(today, "period.label")!.GetValue<string>());
    }
}
