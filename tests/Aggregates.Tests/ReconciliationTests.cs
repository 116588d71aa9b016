using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;
using Xunit.Abstractions;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// The property behind "not a bottleneck, still correct": after thousands of events sent with duplicates, in a random
/// order, across two silo restarts, recomputing each ward from its entities finds nothing the live figures got wrong.
/// </summary>
public sealed class ReconciliationTests(ITestOutputHelper output)
{
    private static readonly string[] Wards = ["queens-park", "harrow-road"];

    [Fact]
    public async Task A_randomised_run_with_duplicates_reordering_and_two_restarts_reconciles_without_differences()
    {
        await using var cluster = await Cluster.StartAsync();
        var random = new Random(4_5_6);
        var events = new Events(cluster.Clock, "rec");
        var today = DateOnly.FromDateTime(Cluster.Start.UtcDateTime);
        var generated = new List<ContactEvent>();
        var births = new Dictionary<string, (string Ward, string Family)>(StringComparer.Ordinal);
        var registered = new HashSet<string>(StringComparer.Ordinal);
        for (var f = 0; f < 320; f++)
        {
            var family = $"rec-f{f}";
            var ward = Wards[f % Wards.Length];
            var seen = Cluster.Start.AddDays(-random.Next(1, 200));
            for (var c = 0; c < 1 + (f % 3 == 0 ? 1 : 0); c++)
            {
                var child = $"{family}-c{c}";
                var born = today.AddDays(-random.Next(20, 900));
                generated.Add(events.Birth(family, child, born, ward));
                births[child] = (ward, family);
                var when = Events.At(born).AddDays(random.Next(5, 19));
                generated.Add(events.Review(family, child, "new-birth", when));
                if (random.Next(3) > 0)
                {
                    generated.Add(events.Registered(family, child, seen));
                    registered.Add(child);
                }

                for (var m = random.Next(3); m > 0; m--)
                {
                    generated.Add(events.Missed(family, child, seen.AddHours(-m)));
                }

                if (random.Next(4) == 0)
                {
                    generated.Add(events.Referral(family, child, $"rec-r-{child}", seen, accepted: false));
                    generated.Add(events.Referral(family, child, $"rec-r-{child}", seen.AddHours(1), accepted: true));
                }
            }

            if (random.Next(3) == 0)
            {
                generated.Add(events.Outreach(family, "rec-champion", "childrens-centre", seen.AddDays(-1)));
                generated.Add(events.Survey(family, "rec-champion", "childrens-centre", random.Next(1, 6), seen));
            }

            if (random.Next(5) == 0)
            {
                generated.Add(events.Concern(family, "housing", seen));
                generated.Add(events.Level(family, "universal-plus", seen.AddHours(2)));
            }
        }

        // The champion's weekly drop-ins, recorded by the champion's own grain.
        var dropIns = Enumerable.Range(0, 60).Select(w => events.DropIn("rec-champion", Cluster.Start.AddDays(-7 * w - 1))).ToList();
        generated.AddRange(dropIns);

        // Duplicates (a phone syncing twice) and any order (late sync): the same events, some twice, shuffled.
        // Service levels go last: the family grain accepts one only once it knows the family's ward.
        var sent = generated.Concat(generated.Where(_ => random.Next(5) == 0))
            .OrderBy(e => e.Data is ServiceLevelSet ? 1 : 0).ThenBy(_ => random.Next()).ToList();
        var third = sent.Count / 3;
        await Events.RecordAllAsync(cluster.Client, sent.Take(third));
        await cluster.RestartAsync();
        await Events.RecordAllAsync(cluster.Client, sent.Skip(third).Take(third));
        await cluster.RestartAsync();
        await Events.RecordAllAsync(cluster.Client, sent.Skip(2 * third));
        output.WriteLine($"{generated.Count} distinct events, {sent.Count} sent ({sent.Count - generated.Count} duplicates, shuffled), silo restarts after {third} and {2 * third}");
        // Everything sent has reached the wards, so reconciliation compares settled figures with their entities.
        await cluster.DrainAsync();
        var champion = (await cluster.Client.GetGrain<IChampionGrain>("rec-champion").GetContributionsAsync()).Select(c => c.WardCode).ToHashSet(StringComparer.Ordinal);
        var checkedInAll = 0;

        foreach (var ward in Wards)
        {
            var known = births.Count(b => b.Value.Ward == ward);
            var reg = births.Count(b => b.Value.Ward == ward && registered.Contains(b.Key));
            var live = await Figures.WardAsync(cluster.Client, ward);
            Assert.Equal(known, Figures.Count(live, "reach.known"));
            Assert.Equal(reg, Figures.Count(live, "reach.registered"));
            var report = await cluster.Client.GetGrain<IWardGrain>(ward).ReconcileAsync();
            output.WriteLine($"{ward}: {report.EntitiesChecked} entities checked, {report.Differences.Count} differences");
            Assert.True(report.Differences.Count == 0, string.Join(Environment.NewLine, report.Differences.Take(20)));
            var families = births.Where(b => b.Value.Ward == ward).Select(b => b.Value.Family).Distinct().Count();
            Assert.Equal(known + families + (champion.Contains(ward) ? 1 : 0), report.EntitiesChecked);
            checkedInAll += report.EntitiesChecked;
        }

        // Every drop-in counted once, in the champion's home ward, whatever the duplicates, order and restarts.
        var hosted = 0;
        foreach (var ward in Wards)
        {
            hosted += Figures.Count(await Figures.WardAsync(cluster.Client, ward), "champions.dropInsHosted");
        }

        Assert.Equal(dropIns.Count, hosted);
        Assert.Equal(Wards.Length, champion.Count);
        output.WriteLine($"reconciliation run: {generated.Count} distinct events, {sent.Count} sent, 2 restarts, {checkedInAll} entities recomputed, 0 differences");
        Assert.True(sent.Count >= 2000, $"only {sent.Count} events");
    }
}
