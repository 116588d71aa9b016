using QpActors.Figures.Publishing;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// What the commission could learn from published figures beyond their counts. Each test moves the clock, so each has a
/// cluster of its own.
/// </summary>
public sealed class DisclosureChannelTests
{
    [Fact]
    public async Task A_change_that_moves_no_published_count_leaves_the_published_figures_as_they_were()
    {
        await using var cluster = await Cluster.StartAsync();
        const string ward = "queens-park", area = "north-westminster";
        var events = new Events(cluster.Clock, "quiet");
        var born = DateOnly.FromDateTime(Cluster.Start.UtcDateTime).AddDays(-20);
        await Events.RecordAllAsync(cluster.Client, Enumerable.Range(0, 20).Select(i => events.Birth($"{ward}-f{i}", $"{ward}-c{i}", born, ward)));
        await cluster.DrainAsync();
        var before = (Ward: await PublishedAsync(cluster.Client, ward), Area: await PublishedAreaAsync(cluster.Client, area));

        // One more birth an hour later: 21 rounds to 20 wherever 20 did (and 42 overdue reviews to 40), so no published
        // count moves.
        cluster.Clock.Advance(TimeSpan.FromHours(1));
        await Events.RecordAllAsync(cluster.Client, [events.Birth($"{ward}-f20", $"{ward}-c20", born, ward)]);
        await cluster.DrainAsync();
        Assert.Equal(21, Figures.Count(await Figures.WardAsync(cluster.Client, ward), "reach.known"));
        var after = (Ward: await PublishedAsync(cluster.Client, ward), Area: await PublishedAreaAsync(cluster.Client, area));

        // Anything that differs (a build time was the case) tells a reader polling the figures, or following their stream,
        // that a record changed and when: a count of the ward's events that the rounding hides.
        Assert.Empty(Differences(before.Ward, after.Ward));
        Assert.Empty(Differences(before.Area, after.Area));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task One_more_survey_response_that_moves_no_published_count_leaves_the_published_figures_as_they_were()
    {
        await using var cluster = await Cluster.StartAsync();
        const string ward = "queens-park", area = "north-westminster", champion = "champ-survey", service = "childrens-centre";
        var events = new Events(cluster.Clock, "surveys");
        var born = DateOnly.FromDateTime(Cluster.Start.UtcDateTime).AddDays(-20);
        var at = Cluster.Start.AddDays(-1);
        var families = Enumerable.Range(0, 26).Select(i => $"{ward}-s{i}").ToList();
        await Events.RecordAllAsync(cluster.Client, families.Select(f => events.Birth(f, f + "-c", born, ward)));
        await cluster.DrainAsync();

        // 10 fives, 8 fours and 8 ones: 26 responses averaging 3.46.
        await Events.RecordAllAsync(cluster.Client, families.Select((f, i) => events.Survey(f, champion, service, i < 10 ? 5 : i < 18 ? 4 : 1, at)));
        await cluster.DrainAsync();
        var before = (Ward: await PublishedAsync(cluster.Client, ward), Area: await PublishedAreaAsync(cluster.Client, area));

        // One more response an hour later, scoring 1: 27 average 3.37. Every count rounds as before (27 responses and
        // surveys to 25, 9 ones to 10), so an average that moved would say a response came, and that it was low.
        cluster.Clock.Advance(TimeSpan.FromHours(1));
        await Events.RecordAllAsync(cluster.Client, [events.Survey(families[0], champion, service, 1, at.AddHours(1))]);
        await cluster.DrainAsync();
        Assert.Equal(27, Figures.Count(await Figures.WardAsync(cluster.Client, ward), $"champions.satisfaction.{service}.responses"));
        var after = (Ward: await PublishedAsync(cluster.Client, ward), Area: await PublishedAreaAsync(cluster.Client, area));

        Assert.Empty(Differences(before.Ward, after.Ward));
        Assert.Empty(Differences(before.Area, after.Area));
        Assert.NotNull(Figures.Node(Figures.Parse(after.Ward), $"champions.satisfaction.{service}.average"));
    }

    [Fact]
    public async Task A_month_kept_hours_apart_by_two_wards_is_published_as_taken_at_the_same_instant()
    {
        await using var cluster = await Cluster.StartAsync();
        const string area = "north-westminster";
        var (first, second) = ("queens-park", "westbourne");

        // May ended at midnight BST (23:00 UTC on 31 May). One ward keeps it at the start, the others only when something
        // wakes them seven hours later: the instant each kept it would say when.
        Assert.Equal("2026-05", (await cluster.Client.GetGrain<IWardGrain>(first).TakeSnapshotIfDueAsync())?.Month);
        cluster.Clock.Advance(TimeSpan.FromHours(7).Add(TimeSpan.FromMinutes(13)));
        foreach (var other in new[] { second, "harrow-road", "church-street" })
        {
            Assert.Equal("2026-05", (await cluster.Client.GetGrain<IWardGrain>(other).TakeSnapshotIfDueAsync())?.Month);
        }

        var mayEnded = new DateTimeOffset(2026, 5, 31, 23, 0, 0, TimeSpan.Zero);
        var firstMonths = await cluster.Client.GetGrain<IWardGrain>(first).GetPublishableHistoryAsync();
        var secondMonths = await cluster.Client.GetGrain<IWardGrain>(second).GetPublishableHistoryAsync();
        var areaMonths = await cluster.Client.GetGrain<IAreaGrain>(area).GetHistoryAsync();
        Assert.Equal([mayEnded], firstMonths.Select(m => m.TakenAt));
        Assert.Equal([mayEnded], secondMonths.Select(m => m.TakenAt));
        Assert.Equal([mayEnded], areaMonths.Select(m => m.TakenAt));
    }

    /// <summary>The top-level members whose values differ between two documents.</summary>
    private static List<string> Differences(string before, string after)
    {
        var (a, b) = (Figures.Parse(before), Figures.Parse(after));
        return a.Select(p => p.Key).Union(b.Select(p => p.Key))
            .Where(k => a[k]?.ToJsonString() != b[k]?.ToJsonString())
            .ToList();
    }

    /// <summary>As the gateway publishes a ward's figures: the ward's and its neighbours' documents through the publisher.</summary>
    private static async Task<string> PublishedAsync(IGrainFactory grains, string ward)
    {
        var figures = await grains.GetGrain<IWardGrain>(ward).GetFiguresAsync(Figures.Default);
        return FiguresPublisher.ForCommission(figures.Document, figures.NeighbourDocuments);
    }

    /// <summary>As the gateway publishes an area's figures: the area's document with its wards'.</summary>
    private static async Task<string> PublishedAreaAsync(IGrainFactory grains, string area)
    {
        var figures = await grains.GetGrain<IAreaGrain>(area).GetFiguresAsync(Figures.Default);
        return FiguresPublisher.ForCommission(figures.Document, figures.WardDocuments);
    }
}
