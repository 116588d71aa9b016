using System.Text;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Domain;
using QpActors.Grains;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;
using QpActors.Tests.Shared;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// The two lists the early intervention team starts the day with: the families awaiting a level decision, and the
/// families whose risk changed since a given instant, with when (and from what) each one's suggested level last changed.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class WorklistAwaitingDecisionTests(SharedCluster shared)
{
    [Fact]
    public async Task A_family_awaits_a_decision_while_its_suggested_level_is_above_the_level_set()
    {
        var cluster = shared.Cluster;
        var ward = "await-" + Guid.NewGuid().ToString("N")[..8];
        var events = new Events(cluster.Clock, ward);
        var at = cluster.Clock.GetUtcNow().AddHours(-1);
        string calm = ward + "-calm", raised = ward + "-raised", decided = ward + "-decided", outgrown = ward + "-outgrown", above = ward + "-above";
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(calm, at, ward: ward)]);
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(raised, at, ward: ward), events.Concern(raised, "domestic-abuse", at)], inFlight: 1);
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(decided, at, ward: ward), events.Concern(decided, "domestic-abuse", at)], inFlight: 1);
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(outgrown, at, ward: ward)]);
        await SetLevelAsync(cluster, ward, events.Level(outgrown, "universal-plus", at));
        await Events.RecordAllAsync(cluster.Client, [events.Concern(outgrown, "domestic-abuse", at), events.Concern(outgrown, "safeguarding", at)], inFlight: 1);
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(above, at, ward: ward)]);
        await SetLevelAsync(cluster, ward, events.Level(decided, "universal-plus", at));
        await SetLevelAsync(cluster, ward, events.Level(above, "universal-partnership-plus", at));
        await cluster.DrainAsync();

        var all = await WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50));
        var awaiting = await WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50, AwaitingDecision: true));
        var settled = await WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50, AwaitingDecision: false));

        Assert.Equal(5, all.Total);
        Assert.Equal(
            new Dictionary<string, bool> { [calm] = false, [raised] = true, [decided] = false, [outgrown] = true, [above] = false },
            all.Items.ToDictionary(i => i.FamilyId, i => i.AwaitingDecision));
        Assert.Equal(("universal-partnership-plus", "universal-plus"), Line(all, outgrown));
        Assert.Equal(("universal-plus", (string?)null), Line(all, raised));
        Assert.Equal([outgrown, raised], awaiting.Items.Select(i => i.FamilyId));
        Assert.Equal(2, awaiting.Total);
        Assert.All(awaiting.Items, i => Assert.True(i.AwaitingDecision));
        Assert.Equal([above, decided, calm], settled.Items.Select(i => i.FamilyId));

        // A decision at the suggested level takes the family off the list.
        await SetLevelAsync(cluster, ward, events.Level(raised, "universal-plus", cluster.Clock.GetUtcNow()));
        await cluster.DrainAsync();
        Assert.Equal([outgrown], (await WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50, AwaitingDecision: true))).Items.Select(i => i.FamilyId));

        static (string Suggested, string? Set) Line(WorklistPage page, string family) =>
            page.Items.Single(i => i.FamilyId == family) is var item ? (item.SuggestedLevel, item.SetLevel) : default;
    }

    /// <summary>A decision by the ward's early intervention team, as the family grain requires of one.</summary>
    private static async Task SetLevelAsync(Cluster cluster, string ward, Domain.Events.ContactEvent decision)
    {
        CallerContext.Set(new Caller("eit-worklist", Roles.EarlyIntervention, [ward], null, null));
        try
        {
            var receipt = await cluster.Client.GetGrain<IFamilyGrain>(decision.FamilyId!).RecordAsync(decision);
            Assert.Equal(ReceiptStatus.Accepted, receipt.Status);
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    internal static async Task<WorklistPage> WorklistAsync(Cluster cluster, string ward, WorklistQuery query)
    {
        CallerContext.Set(new Caller("eit-worklist", Roles.EarlyIntervention, [ward], null, null));
        try
        {
            return await cluster.Client.GetGrain<IWardGrain>(ward).GetWorklistAsync(query);
        }
        finally
        {
            CallerContext.Clear();
        }
    }
}

/// <summary>Each test moves the clock or restarts the silo, so each has a cluster of its own.</summary>
public sealed class WorklistChangedSinceTests
{
    [Fact]
    public async Task Changed_since_lists_the_families_whose_risk_changed_at_or_after_the_instant_at_their_own_receipts_and_after_a_restart()
    {
        await using var cluster = await Cluster.StartAsync();
        await ChangedSinceSurvivesARestartAsync(cluster);
    }

    [PostgresFact]
    public async Task Changed_since_and_the_instants_survive_a_restart_on_postgres()
    {
        await using var cluster = await Cluster.StartOnPostgresAsync();
        await ChangedSinceSurvivesARestartAsync(cluster);
    }

    private static async Task ChangedSinceSurvivesARestartAsync(Cluster cluster)
    {
        const string ward = "changed-ward";
        var events = new Events(cluster.Clock, "changed");
        const string early = "changed-early", late = "changed-late", quiet = "changed-quiet";

        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(early, cluster.Clock.GetUtcNow(), ward: ward), events.FamilyRegistered(late, cluster.Clock.GetUtcNow(), ward: ward), events.FamilyRegistered(quiet, cluster.Clock.GetUtcNow(), ward: ward)]);
        cluster.Clock.Advance(TimeSpan.FromHours(1));
        var raisedAt = cluster.Clock.GetUtcNow();
        await Events.RecordAllAsync(cluster.Client, [events.Concern(early, "domestic-abuse", raisedAt.AddHours(-3)), events.Concern(late, "maternal-mental-health", raisedAt)]);
        cluster.Clock.Advance(TimeSpan.FromHours(1));
        var housingAt = cluster.Clock.GetUtcNow();

        // Late: the score moves (4 to 6) but the level stays universal-plus, so only the risk's instant moves on.
        await Events.RecordAllAsync(cluster.Client, [events.Concern(late, "housing", housingAt)]);
        cluster.Clock.Advance(TimeSpan.FromMinutes(30));
        await cluster.DrainAsync();

        await AssertListsAsync();

        // The ward reloads its entries from the journal and the families rebuild from their events: the same instants.
        await cluster.RestartAsync();
        await AssertListsAsync();

        async Task AssertListsAsync()
        {
            var all = await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50));
            var byId = all.Items.ToDictionary(i => i.FamilyId);

            // The receipt (the instant the journal keeps), not when the contact occurred.
            Assert.Equal(raisedAt, byId[early].RiskChangedAt);
            Assert.Equal(raisedAt, byId[early].LevelChangedAt);
            Assert.Equal("universal", byId[early].LevelChangedFrom);
            Assert.Equal(housingAt, byId[late].RiskChangedAt);
            Assert.Equal(raisedAt, byId[late].LevelChangedAt);
            Assert.Equal("universal", byId[late].LevelChangedFrom);
            Assert.Null(byId[quiet].RiskChangedAt);
            Assert.Null(byId[quiet].LevelChangedAt);
            Assert.Null(byId[quiet].LevelChangedFrom);

            Assert.Equal([early, late], await ChangedSinceAsync(raisedAt));
            Assert.Equal([late], await ChangedSinceAsync(raisedAt.AddTicks(1)));
            Assert.Equal([late], await ChangedSinceAsync(housingAt));
            Assert.Empty(await ChangedSinceAsync(housingAt.AddTicks(1)));

            // The same instant in another offset is the same instant.
            Assert.Equal([late], await ChangedSinceAsync(housingAt.ToOffset(TimeSpan.FromHours(-5))));
        }

        async Task<string[]> ChangedSinceAsync(DateTimeOffset since) =>
            (await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50, ChangedSince: since)))
                .Items.Select(i => i.FamilyId).Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public async Task A_change_time_made_is_dated_at_the_programme_midnight_it_happened_not_when_the_family_was_next_ticked()
    {
        await using var cluster = await Cluster.StartAsync();
        const string ward = "midnight-ward", family = "midnight-f1", child = "midnight-c1";
        var events = new Events(cluster.Clock, "midnight");
        var calendar = ProgrammeCalendar.QueensPark;
        await RecordYoungFamilyWithANewbornAsync(cluster, events, ward, family, child);
        var born = await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50));
        Assert.Equal("universal", Assert.Single(born.Items).SuggestedLevel);
        var bornChangedAt = born.Items[0].RiskChangedAt;

        cluster.Clock.Advance(TimeSpan.FromDays(10));
        await cluster.Client.GetGrain<IFamilyGrain>(family).TickNowAsync();
        await cluster.DrainAsync();

        var status = await cluster.Client.GetGrain<IFamilyGrain>(family).GetRiskStatusAsync();
        var byTime = status.History.First(h => h.Cause == RiskTimeline.TimeCause && h.SuggestedLevel == "universal-plus");
        var item = Assert.Single((await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50))).Items);
        Assert.Equal("universal-plus", item.SuggestedLevel);
        Assert.True(item.AwaitingDecision);
        Assert.Equal(status.History[0].At, item.RiskChangedAt);
        Assert.Equal(byTime.At, item.LevelChangedAt);
        Assert.Equal("universal", item.LevelChangedFrom);
        Assert.Equal(calendar.StartOf(calendar.DayOf(byTime.At)), byTime.At);
        Assert.True(byTime.At < cluster.Clock.GetUtcNow());
        Assert.NotEqual(bornChangedAt, item.RiskChangedAt);
        Assert.Equal([family], (await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50, ChangedSince: byTime.At))).Items.Select(i => i.FamilyId));
        Assert.Empty((await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50, ChangedSince: byTime.At.AddTicks(1)))).Items);
    }

    [Fact]
    public async Task A_family_event_after_a_change_time_made_keeps_each_change_at_its_own_instant()
    {
        await using var cluster = await Cluster.StartAsync();
        const string ward = "between-ward", family = "between-f1", child = "between-c1";
        var events = new Events(cluster.Clock, "between");
        await RecordYoungFamilyWithANewbornAsync(cluster, events, ward, family, child);

        // The new birth visit's window closes (universal-plus at that midnight) and, days later, with nothing read or
        // ticked in between, a housing concern raises the score again within the same level.
        cluster.Clock.Advance(TimeSpan.FromDays(10));
        var concernAt = cluster.Clock.GetUtcNow();
        await Events.RecordAllAsync(cluster.Client, [events.Concern(family, "housing", concernAt)]);
        await cluster.DrainAsync();

        var item = Assert.Single((await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50))).Items);
        var status = await cluster.Client.GetGrain<IFamilyGrain>(family).GetRiskStatusAsync();
        var byTime = status.History.Single(h => h.Cause == RiskTimeline.TimeCause && h.SuggestedLevel == "universal-plus" && h.PreviousLevel == "universal");
        Assert.Equal(concernAt, item.RiskChangedAt);
        Assert.Equal(byTime.At, item.LevelChangedAt);
        Assert.Equal("universal", item.LevelChangedFrom);
        Assert.True(byTime.At < concernAt);
    }

    [Fact]
    public async Task A_family_whose_ward_entry_predates_the_instants_is_dated_from_its_own_events_for_changed_since_once()
    {
        var asked = new RewritesAsked();
        await using var cluster = await Cluster.StartAsync(asked.Register);
        await OlderEntriesAreDatedAsync(cluster, asked);
    }

    [PostgresFact]
    public async Task A_family_whose_ward_entry_predates_the_instants_is_dated_from_its_own_events_for_changed_since_once_on_postgres()
    {
        var asked = new RewritesAsked();
        await using var cluster = await Cluster.StartOnPostgresAsync(asked.Register);
        await OlderEntriesAreDatedAsync(cluster, asked);
    }

    /// <summary>
    /// Three families whose risk changed (two) or never did (one), their ward entries then written back as a version before
    /// entries carried the instants wrote them, and the silo restarted: the upgrade, as the store holds it.
    /// </summary>
    private static async Task OlderEntriesAreDatedAsync(Cluster cluster, RewritesAsked asked)
    {
        const string ward = "older-ward";
        var events = new Events(cluster.Clock, "older");
        const string early = "older-early", late = "older-late", quiet = "older-quiet";
        var registeredAt = cluster.Clock.GetUtcNow();
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(early, registeredAt, ward: ward), events.FamilyRegistered(late, registeredAt, ward: ward), events.FamilyRegistered(quiet, registeredAt, ward: ward)]);
        cluster.Clock.Advance(TimeSpan.FromHours(1));
        var earlyAt = cluster.Clock.GetUtcNow();
        await Events.RecordAllAsync(cluster.Client, [events.Concern(early, "domestic-abuse", earlyAt)]);
        cluster.Clock.Advance(TimeSpan.FromHours(1));
        var lateAt = cluster.Clock.GetUtcNow();
        await Events.RecordAllAsync(cluster.Client, [events.Concern(late, "maternal-mental-health", lateAt)]);
        cluster.Clock.Advance(TimeSpan.FromMinutes(30));
        await cluster.DrainAsync();
        var truth = Instants(await AllAsync(cluster, ward));
        Assert.Equal((earlyAt, earlyAt, "universal"), truth[early]);
        Assert.Equal((lateAt, lateAt, "universal"), truth[late]);
        Assert.Equal((null, null, null), truth[quiet]);

        Assert.Equal(3, await WriteInTheOlderLayoutAsync(cluster, ward));
        await cluster.RestartAsync();

        // Loaded as written: the entries do not say when. A list without changedSince asks no family for anything.
        Assert.All(Instants(await AllAsync(cluster, ward)).Values, i => Assert.Equal((null, null, null), i));
        Assert.Equal(0, asked.Count);

        // The first changedSince list asks each family once, and each rebuilds its instants from its own events.
        Assert.Equal([late], await ChangedSinceAsync(cluster, ward, lateAt));
        Assert.Equal(3, asked.Count);
        Assert.Equal(truth, Instants(await AllAsync(cluster, ward)));
        Assert.Equal([early, late], await ChangedSinceAsync(cluster, ward, earlyAt));
        Assert.Empty(await ChangedSinceAsync(cluster, ward, lateAt.AddTicks(1)));
        Assert.Equal(3, asked.Count);

        // Each family wrote its entry: a ward reloaded from the journal has the instants and asks no one again.
        await cluster.RestartAsync();
        Assert.Equal(truth, Instants(await AllAsync(cluster, ward)));
        Assert.Equal([early, late], await ChangedSinceAsync(cluster, ward, earlyAt));
        Assert.Equal(3, asked.Count);
    }

    [Fact]
    public async Task An_older_entry_with_no_family_events_behind_it_leaves_the_ward_for_good_when_first_asked()
    {
        var asked = new RewritesAsked();
        await using var cluster = await Cluster.StartAsync(asked.Register);
        await AnEntryWithNoFamilyLeavesForGoodAsync(cluster, asked);
    }

    [PostgresFact]
    public async Task An_older_entry_with_no_family_events_behind_it_leaves_the_ward_for_good_when_first_asked_on_postgres()
    {
        var asked = new RewritesAsked();
        await using var cluster = await Cluster.StartOnPostgresAsync(asked.Register);
        await AnEntryWithNoFamilyLeavesForGoodAsync(cluster, asked);
    }

    /// <summary>
    /// A ward entry in the older layout for a family whose journal holds no events (a store restored without its events, an
    /// entry written by hand): the family, asked for a fresh entry, has none to give, as it is in no ward. The entry has no
    /// family behind it, so it is on no list; what matters is that the ward's lists and figures say so for good, not only
    /// until the ward next reloads its entries from the journal.
    /// </summary>
    private static async Task AnEntryWithNoFamilyLeavesForGoodAsync(Cluster cluster, RewritesAsked asked)
    {
        const string ward = "ghost-ward", real = "ghost-real", ghost = "ghost-none";
        var since = await StoreAnEntryWithNoFamilyBehindItAsync(cluster, ward, real, ghost);

        // Loaded as stored: the entry is counted until someone asks its family.
        Assert.Equal([ghost, real], (await AllAsync(cluster, ward)).Items.Select(i => i.FamilyId).Order(StringComparer.Ordinal));
        Assert.Equal(0, asked.Count);

        Assert.Equal([real], await ChangedSinceAsync(cluster, ward, since));
        Assert.Equal(2, asked.Count);
        Assert.Equal([real], (await AllAsync(cluster, ward)).Items.Select(i => i.FamilyId));

        // The ward reloads from the journal: the entry no family stands behind is not back in its lists and figures.
        await cluster.RestartAsync();
        var reloaded = await AllAsync(cluster, ward);
        Assert.Equal([real], reloaded.Items.Select(i => i.FamilyId));
        Assert.Equal(1, reloaded.Total);
        Assert.DoesNotContain(await cluster.Silo.Silos[0].ServiceProvider.GetRequiredService<IEventJournal>().ReadWardEntriesAsync(ward), e => e.EntryKey == "family:" + ghost);
        Assert.Equal([real], await ChangedSinceAsync(cluster, ward, since));
        Assert.Equal(2, asked.Count);
    }

    [Fact]
    public async Task A_reconciliation_that_lets_go_of_an_entry_with_no_family_behind_it_deletes_it_from_the_journal_too()
    {
        await using var cluster = await Cluster.StartAsync();
        const string ward = "ghost-reconciled-ward", real = "ghost-reconciled-real", ghost = "ghost-reconciled-none";
        await StoreAnEntryWithNoFamilyBehindItAsync(cluster, ward, real, ghost);
        Assert.Equal(2, (await AllAsync(cluster, ward)).Total);

        var report = await cluster.Client.GetGrain<IWardGrain>(ward).ReconcileAsync();
        Assert.Contains(report.Differences, d => d.StartsWith("family:" + ghost, StringComparison.Ordinal));
        Assert.Equal([real], (await AllAsync(cluster, ward)).Items.Select(i => i.FamilyId));

        // The ward reloads from the journal: the entry reconciliation let go of is not counted again.
        await cluster.RestartAsync();
        Assert.Equal([real], (await AllAsync(cluster, ward)).Items.Select(i => i.FamilyId));
        Assert.DoesNotContain(await cluster.Silo.Silos[0].ServiceProvider.GetRequiredService<IEventJournal>().ReadWardEntriesAsync(ward), e => e.EntryKey == "family:" + ghost);
        Assert.DoesNotContain((await cluster.Client.GetGrain<IWardGrain>(ward).ReconcileAsync()).Differences, d => d.Contains(ghost, StringComparison.Ordinal));
    }

    /// <summary>
    /// Stores, beside <paramref name="real"/>'s entry in the older layout, a copy of it for <paramref name="ghost"/>, a family
    /// with no events, and restarts so the ward loads both; returns the instant after which only the real family changed.
    /// </summary>
    private static async Task<DateTimeOffset> StoreAnEntryWithNoFamilyBehindItAsync(Cluster cluster, string ward, string real, string ghost)
    {
        var events = new Events(cluster.Clock, ward);
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(real, cluster.Clock.GetUtcNow(), ward: ward)]);
        cluster.Clock.Advance(TimeSpan.FromHours(1));
        var since = cluster.Clock.GetUtcNow();
        await Events.RecordAllAsync(cluster.Client, [events.Concern(real, "domestic-abuse", since)]);
        await cluster.DrainAsync();

        Assert.Equal(1, await WriteInTheOlderLayoutAsync(cluster, ward));
        var journal = cluster.Silo.Silos[0].ServiceProvider.GetRequiredService<IEventJournal>();
        var realEntry = Assert.Single(await journal.ReadWardEntriesAsync(ward), e => e.Kind == "family");
        var ghostJson = System.Text.Json.Nodes.JsonNode.Parse(realEntry.Payload.Bytes)!.AsObject();
        ghostJson["familyId"] = ghost;
        await journal.AppendAsync(new JournalWrite(null, [realEntry with { EntryKey = "family:" + ghost, Payload = Encoding.UTF8.GetBytes(ghostJson.ToJsonString()) }], [], []));
        await cluster.RestartAsync();
        return since;
    }

    [Fact]
    public async Task A_ward_of_more_older_entries_than_one_list_dates_asks_a_bounded_number_and_lists_the_rest_rather_than_leave_them_out()
    {
        var asked = new RewritesAsked();
        await using var cluster = await Cluster.StartAsync(asked.Register);
        const string ward = "many-older-ward";
        var events = new Events(cluster.Clock, "many");
        var families = Enumerable.Range(0, WardGrain.MaxFamiliesDatedPerList + 20).Select(i => $"many-{i:D3}").ToArray();
        var registeredAt = cluster.Clock.GetUtcNow();
        await Events.RecordAllAsync(cluster.Client, families.Select(f => events.FamilyRegistered(f, registeredAt, ward: ward)));
        cluster.Clock.Advance(TimeSpan.FromHours(1));
        var since = cluster.Clock.GetUtcNow();
        var changed = families.Where((_, i) => i % 10 == 0).ToArray();
        await Events.RecordAllAsync(cluster.Client, changed.Select(f => events.Concern(f, "domestic-abuse", since)));
        cluster.Clock.Advance(TimeSpan.FromMinutes(30));
        await cluster.DrainAsync();
        Assert.Equal(changed, await ChangedSinceAsync(cluster, ward, since));

        Assert.Equal(families.Length, await WriteInTheOlderLayoutAsync(cluster, ward));
        await cluster.RestartAsync();

        // One list asks at most its bound; the families it did not ask may have changed, so they are listed with their
        // instants unknown, and every family that did change is on the list either way.
        var first = await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, WorklistQuery.MaxPageSize, ChangedSince: since));
        Assert.Equal(WardGrain.MaxFamiliesDatedPerList, asked.Count);
        var undated = first.Items.Where(i => i.RiskChangedAt is null).Select(i => i.FamilyId).ToArray();
        Assert.Equal(families.Length - WardGrain.MaxFamiliesDatedPerList, undated.Length);
        Assert.Subset(first.Items.Select(i => i.FamilyId).ToHashSet(), changed.ToHashSet());
        Assert.All(first.Items.Where(i => i.RiskChangedAt is not null), i => Assert.Contains(i.FamilyId, changed));

        // The next list asks the rest, and the answer is exact.
        Assert.Equal(changed, await ChangedSinceAsync(cluster, ward, since));
        Assert.Equal(families.Length, asked.Count);
    }

    [Fact]
    public async Task A_ward_activating_with_older_entries_dates_its_families_in_the_background_a_bounded_number_a_tick_with_no_list_asking()
    {
        var asked = new RewritesAsked();
        await using var cluster = await Cluster.StartAsync(asked.Register);
        const string ward = "background-ward";
        var events = new Events(cluster.Clock, "background");
        var families = Enumerable.Range(0, (2 * WardGrain.FamiliesDatedInFlight) + 8).Select(i => $"background-{i:D2}").ToArray();
        var registeredAt = cluster.Clock.GetUtcNow();
        await Events.RecordAllAsync(cluster.Client, families.Select(f => events.FamilyRegistered(f, registeredAt, ward: ward)));
        cluster.Clock.Advance(TimeSpan.FromHours(1));
        var since = cluster.Clock.GetUtcNow();
        var changed = families.Where((_, i) => i % 5 == 0).ToArray();
        await Events.RecordAllAsync(cluster.Client, changed.Select(f => events.Concern(f, "domestic-abuse", since)));
        cluster.Clock.Advance(TimeSpan.FromMinutes(30));
        await cluster.DrainAsync();
        var truth = Instants(await AllAsync(cluster, ward));

        Assert.Equal(families.Length, await WriteInTheOlderLayoutAsync(cluster, ward));
        await cluster.RestartAsync();

        // The ward activates with the older entries (a plain list asks no family) and waits before dating any.
        Assert.All(Instants(await AllAsync(cluster, ward)).Values, i => Assert.Equal((null, null, null), i));
        cluster.Clock.Advance(WardGrain.DatingStartsAfter - TimeSpan.FromSeconds(1));
        await cluster.DrainAsync();
        Assert.Equal(0, asked.Count);

        // Then each tick asks the next group, and no more, until none is left; then the ticks stop asking.
        cluster.Clock.Advance(TimeSpan.FromSeconds(1));
        await cluster.DrainAsync();
        Assert.Equal(WardGrain.FamiliesDatedInFlight, asked.Count);
        cluster.Clock.Advance(WardGrain.DatingEvery);
        await cluster.DrainAsync();
        Assert.Equal(2 * WardGrain.FamiliesDatedInFlight, asked.Count);
        cluster.Clock.Advance(WardGrain.DatingEvery);
        await cluster.DrainAsync();
        Assert.Equal(families.Length, asked.Count);
        cluster.Clock.Advance(WardGrain.DatingEvery);
        await cluster.DrainAsync();
        Assert.Equal(families.Length, asked.Count);

        // Every family is dated: the first changedSince list is exact and asks no one.
        Assert.Equal(truth, Instants(await AllAsync(cluster, ward)));
        Assert.Equal(changed, await ChangedSinceAsync(cluster, ward, since));
        Assert.Equal(families.Length, asked.Count);

        // The entries were written: a ward reloading them has nothing to date, and sets off no tick.
        await cluster.RestartAsync();
        Assert.Equal(truth, Instants(await AllAsync(cluster, ward)));
        cluster.Clock.Advance(WardGrain.DatingStartsAfter + (3 * WardGrain.DatingEvery));
        await cluster.DrainAsync();
        Assert.Equal(families.Length, asked.Count);
    }

    internal static Task<WorklistPage> AllAsync(Cluster cluster, string ward) =>
        WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, WorklistQuery.MaxPageSize));

    internal static async Task<string[]> ChangedSinceAsync(Cluster cluster, string ward, DateTimeOffset since) =>
        (await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, WorklistQuery.MaxPageSize, ChangedSince: since)))
            .Items.Select(i => i.FamilyId).Order(StringComparer.Ordinal).ToArray();

    internal static Dictionary<string, (DateTimeOffset? RiskChangedAt, DateTimeOffset? LevelChangedAt, string? LevelChangedFrom)> Instants(WorklistPage page) =>
        page.Items.ToDictionary(i => i.FamilyId, i => (i.RiskChangedAt, i.LevelChangedAt, i.LevelChangedFrom));

    /// <summary>
    /// Writes the ward's family entries back as a version before entries carried the change instants wrote them (the same
    /// version, no <c>riskChangedAt</c>, <c>levelChangedAt</c>, <c>levelChangedFrom</c> or <c>changeTimesKnown</c>), in
    /// the journal's ward entries table, where a ward reloads them from.
    /// </summary>
    internal static async Task<int> WriteInTheOlderLayoutAsync(Cluster cluster, string ward)
    {
        var journal = cluster.Silo.Silos[0].ServiceProvider.GetRequiredService<IEventJournal>();
        var older = (await journal.ReadWardEntriesAsync(ward))
            .Where(e => e.Kind == "family")
            .Select(e =>
            {
                var json = System.Text.Json.Nodes.JsonNode.Parse(e.Payload.Bytes)!.AsObject();
                Assert.True(json.Remove("changeTimesKnown"));
                json.Remove("riskChangedAt");
                json.Remove("levelChangedAt");
                json.Remove("levelChangedFrom");
                return e with { Payload = Encoding.UTF8.GetBytes(json.ToJsonString()) };
            })
            .ToArray();
        await journal.AppendAsync(new JournalWrite(null, older, [], []));
        Assert.All(await journal.ReadWardEntriesAsync(ward), e => Assert.DoesNotContain("changeTimesKnown", Encoding.UTF8.GetString(e.Payload.Bytes), StringComparison.Ordinal));
        return older.Length;
    }

    /// <summary>Counts the families asked for a fresh ward entry, across restarts.</summary>
    private sealed class RewritesAsked : IIncomingGrainCallFilter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Register(IServiceCollection services) => services.AddSingleton<IIncomingGrainCallFilter>(this);

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceMethod.Name == nameof(IFamilyGrain.RewriteWardEntryAsync))
            {
                Interlocked.Increment(ref _count);
            }

            return context.Invoke();
        }
    }

    /// <summary>
    /// A young parent (2 points) with a child born 12 days ago, registered with the centre (-1), the antenatal contact
    /// missed (2): universal. The new birth visit's window closes in a few days with no visit recorded, and the second
    /// overdue review (1 more) takes the family to universal-plus at the programme's midnight, with no event.
    /// </summary>
    private static async Task RecordYoungFamilyWithANewbornAsync(Cluster cluster, Events events, string ward, string family, string child)
    {
        var today = ProgrammeCalendar.QueensPark.DayOf(cluster.Clock.GetUtcNow());
        var registered = cluster.Clock.GetUtcNow().AddDays(-12);
        await Events.RecordAllAsync(cluster.Client,
            [
                events.Make(Domain.Events.EventTypes.FamilyRegistered, family, null, registered,
                    new System.Text.Json.Nodes.JsonObject { ["wardCode"] = ward, ["housing"] = "social-rented", ["youngParent"] = true }, "service:childrens-centre"),
                events.Birth(family, child, today.AddDays(-12), ward),
                events.Registered(family, child, registered.AddHours(2)),
            ],
            inFlight: 1);
        await cluster.DrainAsync();
    }
}
