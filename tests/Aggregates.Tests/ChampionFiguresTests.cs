using System.Text;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>Champions' drop-ins, surveys and outreach in ward figures, from the champions' own versioned contributions.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class ChampionFiguresTests(SharedCluster shared)
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(Cluster.Start.UtcDateTime);

    private IGrainFactory Grains => shared.Cluster.Client;

    [Fact]
    public async Task A_champion_reports_what_it_did_in_each_ward_and_drop_ins_count_in_its_home_ward()
    {
        var events = new Events(shared.Cluster.Clock, "champ");
        const string home = "champ-home-ward";
        const string away = "champ-away-ward";
        const string champion = "champ-maria";
        var when = Cluster.Start.AddDays(-3);
        var dropIns = Enumerable.Range(0, 3).Select(i => events.DropIn(champion, when.AddDays(-i))).ToList();
        foreach (var contact in new[]
        {
            events.Birth("champ-f1", "champ-c1", Today.AddDays(-50), home),
            events.Birth("champ-f2", "champ-c2", Today.AddDays(-80), home),
            events.Birth("champ-f3", "champ-c3", Today.AddDays(-90), away),
            events.Outreach("champ-f1", champion, "childrens-centre", when),
            events.Outreach("champ-f2", champion, null, when),
            events.Outreach("champ-f3", champion, "midwifery", when),
            events.Survey("champ-f1", champion, "childrens-centre", 5, when),
        }.Concat(dropIns))
        {
            Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(Grains, contact)).Status);
        }

        // A phone syncing the same drop-in twice.
        Assert.Equal(ReceiptStatus.Duplicate, (await Events.RecordAsync(Grains, dropIns[1])).Status);

        await shared.Cluster.DrainAsync();
        var there = await Figures.WardAsync(Grains, home);
        var elsewhere = await Figures.WardAsync(Grains, away);

        Assert.Equal(3, Figures.Count(there, "champions.dropInsHosted"));
        Assert.Equal(2, Figures.Count(there, "champions.outreachContacts"));
        Assert.Equal(1, Figures.Count(there, "champions.surveysCompleted"));
        Assert.Equal(1, Figures.Count(elsewhere, "champions.outreachContacts"));
        Assert.Equal(0, Figures.Count(elsewhere, "champions.dropInsHosted"));
        Assert.Equal(0, Figures.Count(elsewhere, "champions.surveysCompleted"));
        Assert.Equal(1, Figures.Count(there, "champions.familiesSignposted"));
        Assert.DoesNotContain(there["notes"]!.AsArray(), n => n!.GetValue<string>().Contains("no champion has reported", StringComparison.Ordinal));
        var contributions = await Grains.GetGrain<IChampionGrain>(champion).GetContributionsAsync();
        Assert.Equal([ChampionGrain.EntryKey(champion, away), ChampionGrain.EntryKey(champion, home)], contributions.Select(c => c.EntryKey));
        Assert.All(contributions, c => Assert.Equal(7, c.Version));
        Assert.All(contributions, c => Assert.Equal(ContributionKind.Champion, c.Kind));
    }

    [Fact]
    public async Task Replayed_or_stale_champion_reports_cannot_double_count_and_reconciliation_repairs_a_wrong_one()
    {
        var events = new Events(shared.Cluster.Clock, "stale");
        const string ward = "stale-champion-ward";
        const string champion = "stale-champion";
        var when = Cluster.Start.AddDays(-2);
        await Events.RecordAllAsync(Grains, [events.Birth("stale-f1", "stale-c1", Today.AddDays(-30), ward)]);
        await Events.RecordAllAsync(Grains, [events.Outreach("stale-f1", champion, "childrens-centre", when)]);
        await Events.RecordAllAsync(Grains, [events.DropIn(champion, when), events.DropIn(champion, when.AddDays(-7))]);
        await shared.Cluster.DrainAsync();
        Assert.Equal(2, Figures.Count(await Figures.WardAsync(Grains, ward), "champions.dropInsHosted"));
        var current = (await Grains.GetGrain<IChampionGrain>(champion).GetContributionsAsync()).Single();
        var wardGrain = Grains.GetGrain<IWardGrain>(ward);

        // The same report twice, and an older version claiming more: neither changes the figures.
        var claimsMore = Encoding.UTF8.GetString(current.Payload).Replace("\"dropInsHosted\":2", "\"dropInsHosted\":40", StringComparison.Ordinal);
        var older = current with { Version = current.Version - 1, Payload = Encoding.UTF8.GetBytes(claimsMore) };
        Assert.NotEqual(current.Payload, older.Payload);
        await wardGrain.ApplyAsync([current, older, current]);
        Assert.Equal(2, Figures.Count(await Figures.WardAsync(Grains, ward), "champions.dropInsHosted"));

        // A wrong report that claims a newer version wins until reconciliation recomputes the champion from the journal.
        var wrong = current with { Version = current.Version + 100, Payload = older.Payload };
        await wardGrain.ApplyAsync([wrong]);
        Assert.Equal(40, Figures.Count(await Figures.WardAsync(Grains, ward), "champions.dropInsHosted"));
        var report = await wardGrain.ReconcileAsync();
        Assert.Contains(report.Differences, d => d.StartsWith(current.EntryKey, StringComparison.Ordinal));
        Assert.Equal(2, Figures.Count(await Figures.WardAsync(Grains, ward), "champions.dropInsHosted"));

        // Reconciliation adopted the true version, so the champion's next report is not held back by the wrong one.
        await Events.RecordAllAsync(Grains, [events.DropIn(champion, when.AddDays(-14))]);
        await shared.Cluster.DrainAsync();
        Assert.Equal(3, Figures.Count(await Figures.WardAsync(Grains, ward), "champions.dropInsHosted"));
        Assert.Empty((await wardGrain.ReconcileAsync()).Differences);
    }
}
