using Microsoft.Extensions.DependencyInjection;
using QpActors.Domain.Risk;
using QpActors.Grains;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// An upgrade of the rules file (risk-rules.v1 to v2): a store written by silos assessing under v1, then silos assessing
/// under v2 started on it. Every family must then be scored under v2, on its own risk status and on the ward's worklist,
/// which reloads the families' saved entries rather than asking each family.
/// </summary>
public sealed class RulesUpgradeTests
{
    [Fact]
    public async Task After_an_upgrade_of_the_rules_a_family_assessed_under_v1_is_scored_under_v2_on_its_status_and_the_worklist()
    {
        var v1 = new RiskEngine(RiskRules.Load(Path.Combine(AppContext.BaseDirectory, "Risk", "risk-rules.v1.json")));
        var v2 = RiskEngine.Default;
        var rules = new SwitchableRules(v1);
        await using var cluster = await Cluster.StartAsync(rules.Register);
        const string ward = "upgrade-ward", family = "upgrade-homeless", quiet = "upgrade-quiet";
        var events = new Events(cluster.Clock, "upgrade");
        var at = cluster.Clock.GetUtcNow().AddHours(-1);

        // Homeless, with a housing concern raised about it: v1 adds both factors, v2 counts the one need once.
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(family, at, housing: "homeless", ward: ward)]);
        await Events.RecordAllAsync(cluster.Client, [events.Concern(family, "housing", at)]);
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(quiet, at, ward: ward)]);
        await cluster.DrainAsync();
        var underV1 = Weight(v1, "concern-housing") + Weight(v1, "housing-insecure");
        var underV2 = Math.Max(Weight(v2, "concern-housing"), Weight(v2, "housing-insecure"));
        Assert.NotEqual(underV1, underV2);
        Assert.Equal(underV1, Score(await AllAsync(cluster, ward), family));

        rules.Engine = v2;
        await cluster.RestartAsync();

        // The family rebuilds from its events under the rules its silo runs.
        var status = await cluster.Client.GetGrain<IFamilyGrain>(family).GetRiskStatusAsync();
        Assert.Equal(v2.Rules.Version, status.RulesVersion);
        Assert.Equal(underV2, status.Score);

        // The ward reloaded the entry saved under v1: until the family answers it is listed as possibly changed since any
        // instant, and the background pass asks it (and only the families whose entries are of other rules) afresh.
        Assert.Contains(family, await WorklistChangedSinceTests.ChangedSinceAsync(cluster, ward, cluster.Clock.GetUtcNow()));
        cluster.Clock.Advance(WardGrain.DatingStartsAfter + WardGrain.DatingEvery);
        await cluster.DrainAsync();
        Assert.Equal(underV2, Score(await AllAsync(cluster, ward), family));

        // Written back under v2: a ward reloading after another restart holds the v2 score at once.
        await cluster.RestartAsync();
        Assert.Equal(underV2, Score(await AllAsync(cluster, ward), family));
        Assert.DoesNotContain(family, await WorklistChangedSinceTests.ChangedSinceAsync(cluster, ward, cluster.Clock.GetUtcNow()));
    }

    [Fact]
    public Task A_family_whose_score_the_upgrade_moved_names_the_rules_change_in_its_history_once_across_restarts() =>
        RulesChangeInTheHistoryAsync(services => Cluster.StartAsync(services));

    [PostgresFact]
    public Task A_family_whose_score_the_upgrade_moved_names_the_rules_change_in_its_history_once_across_restarts_on_postgres() =>
        RulesChangeInTheHistoryAsync(services => Cluster.StartOnPostgresAsync(services));

    private static async Task RulesChangeInTheHistoryAsync(Func<Action<IServiceCollection>, Task<Cluster>> start)
    {
        var v1 = new RiskEngine(RiskRules.Load(Path.Combine(AppContext.BaseDirectory, "Risk", "risk-rules.v1.json")));
        var v2 = RiskEngine.Default;
        var rules = new SwitchableRules(v1);
        await using var cluster = await start(rules.Register);
        const string ward = "history-ward", family = "history-homeless", quiet = "history-quiet";
        var events = new Events(cluster.Clock, "history");
        var at = cluster.Clock.GetUtcNow().AddHours(-1);
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(family, at, housing: "homeless", ward: ward)]);
        await Events.RecordAllAsync(cluster.Client, [events.Concern(family, "housing", at)]);
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(quiet, at, housing: "homeless", ward: ward)]);
        await cluster.DrainAsync();
        var shownUnderV1 = await cluster.Client.GetGrain<IFamilyGrain>(family).GetRiskStatusAsync();
        var quietUnderV1 = await cluster.Client.GetGrain<IFamilyGrain>(quiet).GetRiskStatusAsync();

        rules.Engine = v2;
        cluster.Clock.Advance(TimeSpan.FromMinutes(5));
        await cluster.RestartAsync();
        var upgradedAt = cluster.Clock.GetUtcNow();

        // The first assessment under v2 names the change of rules, from the score the family showed under v1.
        var status = await cluster.Client.GetGrain<IFamilyGrain>(family).GetRiskStatusAsync();
        var change = Assert.Single(status.History, h => h.Cause.StartsWith(RiskTimeline.RulesCausePrefix, StringComparison.Ordinal));
        Assert.Equal(
            new RiskChange(upgradedAt, status.Score, status.SuggestedLevel, shownUnderV1.Score, shownUnderV1.SuggestedLevel, "rules: risk-rules.v1 -> risk-rules.v2"),
            change);
        Assert.NotEqual(shownUnderV1.Score, status.Score);
        Assert.Same(change, status.History[0]);

        // Homeless with no concern scores the same under both: nothing changed, so nothing is said.
        var quietStatus = await cluster.Client.GetGrain<IFamilyGrain>(quiet).GetRiskStatusAsync();
        Assert.Equal(quietUnderV1.Score, quietStatus.Score);
        Assert.Equal(quietUnderV1.History, quietStatus.History);

        // Later restarts rebuild the same entry at the same instant, and add none.
        for (var restart = 0; restart < 2; restart++)
        {
            cluster.Clock.Advance(TimeSpan.FromMinutes(5));
            await cluster.RestartAsync();
            var again = await cluster.Client.GetGrain<IFamilyGrain>(family).GetRiskStatusAsync();
            Assert.Equal(status.History, again.History);
        }
    }

    [Fact]
    public Task A_childs_entry_saved_under_v1_is_written_again_under_v2_by_its_wards_background_pass() =>
        ChildEntryUnderNewRulesAsync(services => Cluster.StartAsync(services));

    [PostgresFact]
    public Task A_childs_entry_saved_under_v1_is_written_again_under_v2_by_its_wards_background_pass_on_postgres() =>
        ChildEntryUnderNewRulesAsync(services => Cluster.StartOnPostgresAsync(services));

    /// <summary>
    /// A newborn not registered with the children's centre: v1 counts it from the day of birth, v2 only after 8 weeks. The
    /// ward counts children by suggested level and weighs its savings by it, so the child's entry must follow the rules too.
    /// </summary>
    private static async Task ChildEntryUnderNewRulesAsync(Func<Action<IServiceCollection>, Task<Cluster>> start)
    {
        var v1 = new RiskEngine(RiskRules.Load(Path.Combine(AppContext.BaseDirectory, "Risk", "risk-rules.v1.json")));
        var v2 = RiskEngine.Default;
        var rules = new SwitchableRules(v1);
        await using var cluster = await start(rules.Register);
        const string ward = "child-rules-ward", family = "child-rules-family", child = "child-rules-newborn";
        var events = new Events(cluster.Clock, "child-rules");
        var today = QpActors.Domain.ProgrammeCalendar.QueensPark.DayOf(cluster.Clock.GetUtcNow());
        await Events.RecordAllAsync(cluster.Client, [events.Birth(family, child, today.AddDays(-3), ward)]);
        await cluster.DrainAsync();
        var underV1 = await ChildEntryAsync(cluster, ward, child);
        Assert.Equal(v1.Rules.Version, underV1.RulesVersion);

        rules.Engine = v2;
        await cluster.RestartAsync();
        await AllAsync(cluster, ward);
        cluster.Clock.Advance(WardGrain.DatingStartsAfter + WardGrain.DatingEvery);
        await cluster.DrainAsync();

        var underV2 = await ChildEntryAsync(cluster, ward, child);
        Assert.Equal(v2.Rules.Version, underV2.RulesVersion);
        Assert.NotEqual(underV1.Score, underV2.Score);
        Assert.Equal((await cluster.Client.GetGrain<IChildGrain>(child).GetRiskAsync()).Score, underV2.Score);
    }

    private static async Task<ChildContribution> ChildEntryAsync(Cluster cluster, string ward, string child)
    {
        var journal = cluster.Silo.Silos[0].ServiceProvider.GetRequiredService<QpActors.Persistence.IEventJournal>();
        var entry = (await journal.ReadWardEntriesAsync(ward)).Single(e => e.EntryKey == "child:" + child);
        return ContributionJson.Deserialize<ChildContribution>(entry.Payload.Bytes);
    }

    private static double Weight(RiskEngine engine, string factorId) => engine.Rules.Factors.Single(f => f.Id == factorId).Weight;

    private static Task<WorklistPage> AllAsync(Cluster cluster, string ward) => WorklistChangedSinceTests.AllAsync(cluster, ward);

    private static double Score(WorklistPage page, string family) => page.Items.Single(i => i.FamilyId == family).Score;

    /// <summary>The rules the next silo started assesses under: each start resolves the engine afresh.</summary>
    private sealed class SwitchableRules(RiskEngine engine)
    {
        public RiskEngine Engine { get; set; } = engine;

        public void Register(IServiceCollection services) => services.AddSingleton(_ => Engine);
    }
}
