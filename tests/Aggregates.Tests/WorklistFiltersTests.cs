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
        var today = calendar.DayOf(cluster.Clock.GetUtcNow());

        // A young parent (2 points) with a child born 12 days ago, registered with the centre (-1), the antenatal review
        // overdue (2): universal. The new birth visit's window closes in a few days with no visit recorded, and the second
        // overdue review (1 more) takes the family to universal-plus at the programme's midnight, with no event.
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
        var calendar = ProgrammeCalendar.QueensPark;
        var today = calendar.DayOf(cluster.Clock.GetUtcNow());
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
    public async Task A_ward_entry_written_before_entries_carried_the_instants_still_loads_and_is_left_out_of_changed_since()
    {
        await using var cluster = await Cluster.StartAsync();
        const string ward = "legacy-ward", family = "legacy-f1";

        // The JSON an earlier version wrote: no riskChangedAt, levelChangedAt or levelChangedFrom.
        const string earlier = """
            {"updatedAt":"2026-05-30T10:00:00+00:00","score":6,"suggestedLevel":"universal-plus","overdueReviews":0,"topFactors":["concern-domestic-abuse"],"openConcerns":["domestic-abuse"],"familyId":"legacy-f1","wardCode":"legacy-ward","childIds":[],"champions":[],"outreachContacts":0,"signpostedTo":[],"signpostedThenReached":false,"surveys":[],"synthetic":false,"surveysCompleted":0}
            """;
        var journal = cluster.Silo.Silos[0].ServiceProvider.GetRequiredService<IEventJournal>();
        await journal.AppendAsync(new JournalWrite(null, [new WardEntry("family:" + family, ward, "family", 2, Encoding.UTF8.GetBytes(earlier))], [], []));
        await cluster.RestartAsync();

        var item = Assert.Single((await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50))).Items);
        Assert.Equal(family, item.FamilyId);
        Assert.Equal(6, item.Score);
        Assert.True(item.AwaitingDecision);
        Assert.Null(item.RiskChangedAt);
        Assert.Null(item.LevelChangedAt);
        Assert.Null(item.LevelChangedFrom);
        Assert.Empty((await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50, ChangedSince: DateTimeOffset.UnixEpoch))).Items);
    }
}
