using System.Text.Json.Nodes;
using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// An entity whose ward changes leaves the old ward's lists when it moves, not at the next reconciliation, and stays
/// gone: after a late report, a replayed or late event, the old ward reloading (also when the late report comes only
/// after it reloaded), or a restart.
/// </summary>
public sealed class WardMoveTests
{
    private const string From = "move-from";
    private const string To = "move-to";

    [Fact]
    public async Task A_family_that_moves_leaves_the_old_wards_worklist_at_once_and_for_good()
    {
        await using var cluster = await Cluster.StartAsync();
        var events = new Events(cluster.Clock, "move-family");
        var family = events.NewId("f");
        var grain = cluster.Client.GetGrain<IFamilyGrain>(family);
        var now = cluster.Clock.GetUtcNow();
        var registered = events.FamilyRegistered(family, now.AddDays(-10), ward: From);
        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(registered)).Status);
        await cluster.DrainAsync();
        Assert.Equal([family], await WorklistAsync(cluster, From));
        Assert.Empty(await WorklistAsync(cluster, To));
        var beforeTheMove = await grain.GetContributionAsync();

        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(Moved(events, family, To, now.AddDays(-1)))).Status);
        await cluster.DrainAsync();

        Assert.Empty(await WorklistAsync(cluster, From));
        Assert.Equal([family], await WorklistAsync(cluster, To));

        // A report of the old contribution arriving late (another silo's feed flushing after the move), the
        // registration sent again, and a change synced late that names the old ward but predates the move.
        await cluster.Client.GetGrain<IWardGrain>(From).ApplyAsync([beforeTheMove!]);
        Assert.Equal(ReceiptStatus.Duplicate, (await grain.RecordAsync(registered)).Status);
        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(Moved(events, family, From, now.AddDays(-5)))).Status);
        await cluster.DrainAsync();

        Assert.Empty(await WorklistAsync(cluster, From));
        Assert.Equal([family], await WorklistAsync(cluster, To));

        await cluster.RestartAsync();

        Assert.Empty(await WorklistAsync(cluster, From));
        Assert.Equal([family], await WorklistAsync(cluster, To));
    }

    [Fact]
    public Task A_ward_reloaded_after_a_family_left_still_refuses_a_late_report_of_its_older_version_on_sqlite() =>
        LateReportAfterTheOldWardReloadsAsync(Cluster.StartAsync());

    [PostgresFact]
    public Task A_ward_reloaded_after_a_family_left_still_refuses_a_late_report_of_its_older_version_on_postgres() =>
        LateReportAfterTheOldWardReloadsAsync(Cluster.StartOnPostgresAsync());

    /// <summary>
    /// The family moves; the ward it left is deactivated (memory gone) and only then hears, late, the family's report from
    /// before the move, still naming it. What the journal kept of the departure must refuse it, as the live ward did.
    /// </summary>
    private static async Task LateReportAfterTheOldWardReloadsAsync(Task<Cluster> starting)
    {
        await using var cluster = await starting;
        var events = new Events(cluster.Clock, "move-reload");
        var family = events.NewId("f");
        var grain = cluster.Client.GetGrain<IFamilyGrain>(family);
        var now = cluster.Clock.GetUtcNow();
        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(events.FamilyRegistered(family, now.AddDays(-10), ward: From))).Status);
        await cluster.DrainAsync();
        Assert.Equal([family], await WorklistAsync(cluster, From));
        var beforeTheMove = await grain.GetContributionAsync();

        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(Moved(events, family, To, now.AddDays(-1)))).Status);
        await cluster.DrainAsync();
        Assert.Empty(await WorklistAsync(cluster, From));

        await cluster.Silo.DeactivateAsync(cluster.Client.GetGrain<IWardGrain>(From));
        await cluster.Client.GetGrain<IWardGrain>(From).ApplyAsync([beforeTheMove!]);

        Assert.Empty(await WorklistAsync(cluster, From));
        Assert.Equal([family], await WorklistAsync(cluster, To));

        // Moving back is a newer version: the ward takes it, after reloading too. The entry it holds from then on refuses
        // the report from before the first move by itself, so the journal dropped that departure with the move back.
        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(Moved(events, family, From, now))).Status);
        await cluster.DrainAsync();
        await cluster.Silo.DeactivateAsync(cluster.Client.GetGrain<IWardGrain>(From));
        await cluster.Client.GetGrain<IWardGrain>(From).ApplyAsync([beforeTheMove!]);

        Assert.Equal([family], await WorklistAsync(cluster, From));
        Assert.Empty(await WorklistAsync(cluster, To));
        Assert.Empty((await cluster.Client.GetGrain<IWardGrain>(From).ReconcileAsync()).Differences);
        await using var journal = EventJournalFactory.Create(cluster.Storage);
        Assert.DoesNotContain(await journal.ReadWardDeparturesAsync(From), d => d.EntryKey == "family:" + family);
        Assert.Contains(await journal.ReadWardDeparturesAsync(To), d => d.EntryKey == "family:" + family);
    }

    [Fact]
    public async Task A_family_moved_by_a_childs_birth_notification_stays_off_the_old_wards_worklist_when_that_ward_reloads()
    {
        await using var cluster = await Cluster.StartAsync();
        var events = new Events(cluster.Clock, "move-birth");
        var family = events.NewId("f");
        var today = DateOnly.FromDateTime(cluster.Clock.GetUtcNow().UtcDateTime);
        await Events.RecordAllAsync(cluster.Client, [events.Birth(family, events.NewId("c"), today.AddDays(-400), From)]);

        // The child tells its family one-way; the drain waits until the family has handled that too.
        await cluster.DrainAsync();
        Assert.Equal([family], await WorklistAsync(cluster, From));

        // A younger sibling born in another ward: the latest address the family gave.
        await Events.RecordAllAsync(cluster.Client, [events.Birth(family, events.NewId("c"), today.AddDays(-20), To)]);
        await cluster.DrainAsync();

        Assert.Empty(await WorklistAsync(cluster, From));
        Assert.Equal([family], await WorklistAsync(cluster, To));

        // The old ward rebuilds from the journal's ward entries, which must already say where the family went.
        await cluster.Silo.DeactivateAsync(cluster.Client.GetGrain<IWardGrain>(From));

        Assert.Empty(await WorklistAsync(cluster, From));
    }

    [Fact]
    public async Task A_child_whose_birth_record_is_corrected_to_another_ward_leaves_the_old_wards_unreached_list_at_once()
    {
        await using var cluster = await Cluster.StartAsync();
        var events = new Events(cluster.Clock, "move-child");
        var (family, child) = (events.NewId("f"), events.NewId("c"));
        var born = DateOnly.FromDateTime(cluster.Clock.GetUtcNow().UtcDateTime).AddDays(-30);
        var grain = cluster.Client.GetGrain<IChildGrain>(child);
        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(events.Birth(family, child, born, From))).Status);
        await cluster.DrainAsync();
        Assert.Equal([child], await UnreachedAsync(cluster, From));

        var corrected = events.Birth(family, child, born, To, occurredAt: Events.At(born).AddDays(2));
        Assert.Equal(ReceiptStatus.Accepted, (await grain.RecordAsync(corrected)).Status);
        await cluster.DrainAsync();

        Assert.Empty(await UnreachedAsync(cluster, From));
        Assert.Equal([child], await UnreachedAsync(cluster, To));
    }

    [Fact]
    public async Task Children_move_with_their_family_at_once_and_stay_moved_after_late_events_and_a_restart()
    {
        await using var cluster = await Cluster.StartAsync();
        var events = new Events(cluster.Clock, "move-children");
        var (family, older, baby) = (events.NewId("f"), events.NewId("c"), events.NewId("c"));
        var now = cluster.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var familyGrain = cluster.Client.GetGrain<IFamilyGrain>(family);
        var olderBirth = events.Birth(family, older, today.AddDays(-400), From);
        await Events.RecordAllAsync(cluster.Client, [olderBirth, events.Birth(family, baby, today.AddDays(-30), From)]);
        await Events.RecordAsync(cluster.Client, events.Registered(family, older, now.AddDays(-300)));
        await familyGrain.GetRiskStatusAsync();
        await cluster.DrainAsync();
        Assert.Equal(2, await KnownAsync(cluster, From));
        Assert.Equal([baby], await UnreachedAsync(cluster, From));

        var move = Moved(events, family, To, now.AddDays(-1));
        Assert.Equal(ReceiptStatus.Accepted, (await familyGrain.RecordAsync(move)).Status);
        await cluster.DrainAsync();

        Assert.Equal(0, await KnownAsync(cluster, From));
        Assert.Empty(await UnreachedAsync(cluster, From));
        Assert.Equal(2, await KnownAsync(cluster, To));
        Assert.Equal(1, await ReachedAsync(cluster, To));
        Assert.Equal([baby], await UnreachedAsync(cluster, To));

        // The move sent again; the older child's birth record sent again, and a copy of it with a new id synced late: it
        // still names the old ward, but it is dated before the move, so the family's later address wins.
        Assert.Equal(ReceiptStatus.Duplicate, (await familyGrain.RecordAsync(move)).Status);
        await Events.RecordAllAsync(cluster.Client, [olderBirth, events.Birth(family, older, today.AddDays(-400), From, now.AddDays(-2))]);
        await familyGrain.GetRiskStatusAsync();
        await cluster.DrainAsync();

        Assert.Equal(0, await KnownAsync(cluster, From));
        Assert.Equal(2, await KnownAsync(cluster, To));
        Assert.Equal(To, (await cluster.Client.GetGrain<IChildGrain>(older).GetContributionAsync())!.WardCode);

        // Both wards reload from the journal's entries, and the children rebuild from their rows and their family's.
        await cluster.RestartAsync();

        Assert.Equal(0, await KnownAsync(cluster, From));
        Assert.Empty(await UnreachedAsync(cluster, From));
        Assert.Equal(2, await KnownAsync(cluster, To));
        Assert.Equal([baby], await UnreachedAsync(cluster, To));
        Assert.Equal(To, (await cluster.Client.GetGrain<IChildGrain>(baby).GetContributionAsync())!.WardCode);
        Assert.Equal(To, (await cluster.Client.GetGrain<IChildGrain>(older).GetContributionAsync())!.WardCode);
        var report = await cluster.Client.GetGrain<IWardGrain>(From).ReconcileAsync();
        Assert.Empty(report.Differences);
    }

    [Fact]
    public async Task A_ward_reloaded_after_a_child_left_with_its_family_still_refuses_the_childs_late_report_of_before_the_move()
    {
        await using var cluster = await Cluster.StartAsync();
        var events = new Events(cluster.Clock, "move-child-reload");
        var (family, baby) = (events.NewId("f"), events.NewId("c"));
        var today = DateOnly.FromDateTime(cluster.Clock.GetUtcNow().UtcDateTime);
        await Events.RecordAsync(cluster.Client, events.Birth(family, baby, today.AddDays(-30), From));
        await cluster.DrainAsync();
        var beforeTheMove = await cluster.Client.GetGrain<IChildGrain>(baby).GetContributionAsync();
        Assert.Equal([baby], await UnreachedAsync(cluster, From));

        var familyGrain = cluster.Client.GetGrain<IFamilyGrain>(family);
        Assert.Equal(ReceiptStatus.Accepted, (await familyGrain.RecordAsync(Moved(events, family, To, cluster.Clock.GetUtcNow().AddDays(-1)))).Status);
        await cluster.DrainAsync();
        Assert.Empty(await UnreachedAsync(cluster, From));

        // The ward the child left forgets it in memory, then hears the child's report from before the move, late.
        await cluster.Silo.DeactivateAsync(cluster.Client.GetGrain<IWardGrain>(From));
        await cluster.Client.GetGrain<IWardGrain>(From).ApplyAsync([beforeTheMove!]);

        Assert.Empty(await UnreachedAsync(cluster, From));
        Assert.Equal([baby], await UnreachedAsync(cluster, To));
    }

    [Fact]
    public async Task A_child_moves_back_with_its_family_and_a_birth_record_dated_after_the_move_takes_family_and_child_with_it()
    {
        await using var cluster = await Cluster.StartAsync();
        var events = new Events(cluster.Clock, "move-back");
        var (family, child) = (events.NewId("f"), events.NewId("c"));
        var now = cluster.Clock.GetUtcNow();
        var born = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-60);
        var familyGrain = cluster.Client.GetGrain<IFamilyGrain>(family);
        await Events.RecordAllAsync(cluster.Client, [events.Birth(family, child, born, From)]);
        await familyGrain.GetRiskStatusAsync();

        Assert.Equal(ReceiptStatus.Accepted, (await familyGrain.RecordAsync(Moved(events, family, To, now.AddDays(-20)))).Status);
        await cluster.DrainAsync();
        Assert.Empty(await UnreachedAsync(cluster, From));
        Assert.Equal([child], await UnreachedAsync(cluster, To));

        Assert.Equal(ReceiptStatus.Accepted, (await familyGrain.RecordAsync(Moved(events, family, From, now.AddDays(-10)))).Status);
        await cluster.DrainAsync();

        Assert.Equal([child], await UnreachedAsync(cluster, From));
        Assert.Empty(await UnreachedAsync(cluster, To));

        // A corrected birth record, dated after both moves, is the latest address anyone gave.
        await Events.RecordAllAsync(cluster.Client, [events.Birth(family, child, born, To, now.AddDays(-5))]);
        await familyGrain.GetRiskStatusAsync();
        await cluster.DrainAsync();

        Assert.Empty(await UnreachedAsync(cluster, From));
        Assert.Equal([child], await UnreachedAsync(cluster, To));
        Assert.Equal([family], await WorklistAsync(cluster, To));
    }

    /// <summary>
    /// A family tells its children one-way before it answers; a call to each child queues behind that notice (and the
    /// save it makes), so once these return the children have handed their contributions to the feed.
    /// </summary>
    private static Task<int> KnownAsync(Cluster cluster, string ward) => ReachAsync(cluster, ward, "reach.known");

    private static Task<int> ReachedAsync(Cluster cluster, string ward) => ReachAsync(cluster, ward, "reach.reached");

    /// <summary>A reach count; 0 for a ward that holds no records (these test wards are not configured, so it has no figures).</summary>
    private static async Task<int> ReachAsync(Cluster cluster, string ward, string path)
    {
        try
        {
            return Figures.Count(await Figures.WardAsync(cluster.Client, ward), path);
        }
        catch (FiguresNotFoundException)
        {
            return 0;
        }
    }

    private static ContactEvent Moved(Events events, string family, string ward, DateTimeOffset at) =>
        events.Make(EventTypes.FamilyDetailsChanged, family, null, at, new JsonObject { ["wardCode"] = ward });

    private static async Task<string[]> WorklistAsync(Cluster cluster, string ward)
    {
        CallerContext.Set(new Caller("eit-move", Roles.EarlyIntervention, [ward], null, null));
        try
        {
            var page = await cluster.Client.GetGrain<IWardGrain>(ward).GetWorklistAsync(new WorklistQuery(null, null, null, 1, 50));
            return page.Items.Select(i => i.FamilyId).ToArray();
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    private static async Task<string[]> UnreachedAsync(Cluster cluster, string ward)
    {
        CallerContext.Set(new Caller("eit-move", Roles.EarlyIntervention, [ward], null, null));
        try
        {
            return (await cluster.Client.GetGrain<IWardGrain>(ward).GetUnreachedAsync()).Select(u => u.ChildId).ToArray();
        }
        finally
        {
            CallerContext.Clear();
        }
    }
}
