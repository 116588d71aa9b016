using Microsoft.Extensions.DependencyInjection;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>Durability of figures and their monthly history across a silo restart, and the monthly snapshot on the domain clock.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task A_one_way_message_that_died_with_the_silo_is_not_waited_for_after_the_restart()
    {
        // The child's notice to its family is counted when the child sends it, then lost before it is handled, as one
        // queued in a silo that stops is: only the stop can settle it.
        const string family = "died-f1";
        await using var cluster = await Cluster.StartAsync(silo => silo.AddSingleton<IIncomingGrainCallFilter>(new LoseNoticesTo(family)));
        var events = new Events(cluster.Clock, "died");
        var today = DateOnly.FromDateTime(Cluster.Start.UtcDateTime);
        await Events.RecordAllAsync(cluster.Client, [events.Birth(family, "died-c1", today.AddDays(-30), "died-ward")]);
        Assert.Equal(1, cluster.Messages.InFlight);

        await cluster.RestartAsync();

        Assert.Equal(0, cluster.Messages.InFlight);
        await cluster.DrainAsync();

        // Counting goes on after the restart: the next notice to another family is waited for and reaches the ward.
        await Events.RecordAllAsync(cluster.Client, [events.Birth("died-f2", "died-c2", today.AddDays(-30), "died-ward")]);
        await cluster.DrainAsync();
        Assert.Equal(2, Figures.Count(await Figures.WardAsync(cluster.Client, "died-ward"), "reach.known"));
    }

    /// <summary>Swallows the one-way notices to one family before the filter that counts them sees them.</summary>
    private sealed class LoseNoticesTo(string familyId) : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context) =>
            context.Grain is IFamilyGrain && context.MethodName == nameof(IFamilyGrain.ApplyChildEventsAsync) && context.TargetId.Key.ToString() == familyId
                ? Task.CompletedTask
                : context.Invoke();
    }

    [Fact]
    public async Task Figures_and_history_survive_a_restart_and_a_snapshot_is_taken_once_a_month()
    {
        await using var cluster = await Cluster.StartAsync();
        var events = new Events(cluster.Clock, "restart");
        var today = DateOnly.FromDateTime(Cluster.Start.UtcDateTime);
        var births = Enumerable.Range(0, 40).Select(i => events.Birth($"restart-f{i}", $"restart-c{i}", today.AddDays(-60), "westbourne")).ToList();
        await Events.RecordAllAsync(cluster.Client, births);
        await Events.RecordAllAsync(cluster.Client, births.Take(25).Select(b => events.Registered(b.FamilyId!, b.ChildId!, Cluster.Start.AddDays(-3))));
        await cluster.DrainAsync();
        var before = await Figures.WardAsync(cluster.Client, "westbourne");
        Assert.Equal(40, Figures.Count(before, "reach.known"));
        Assert.Equal(25, Figures.Count(before, "reach.registered"));

        var may = await cluster.Client.GetGrain<IWardGrain>("westbourne").TakeSnapshotIfDueAsync();
        Assert.NotNull(may);
        Assert.Equal("2026-05", may.Month);
        Assert.Null(await cluster.Client.GetGrain<IWardGrain>("westbourne").TakeSnapshotIfDueAsync());

        await cluster.RestartAsync();

        var after = await Figures.WardAsync(cluster.Client, "westbourne");
        Assert.Equal(Figures.Count(before, "reach.known"), Figures.Count(after, "reach.known"));
        Assert.Equal(25, Figures.Count(after, "reach.registered"));
        Assert.Equal(15, Figures.Count(after, "reach.unreached"));
        var history = await cluster.Client.GetGrain<IWardGrain>("westbourne").GetHistoryAsync();
        Assert.Equal(["2026-05"], history.Select(h => h.Month));
        var snapshot = Figures.Parse(history[0].Document);
        Assert.Equal("2026-05-31", snapshot["asOf"]!.GetValue<string>());
        Assert.Equal("month", Figures.Node(snapshot, "period.name")!.GetValue<string>());
        Assert.Equal(25, Figures.Count(snapshot, "reach.registered"));

        cluster.Clock.Advance(TimeSpan.FromDays(31));
        var june = await cluster.Client.GetGrain<IWardGrain>("westbourne").TakeSnapshotIfDueAsync();
        Assert.Equal("2026-06", june?.Month);
        Assert.Null(await cluster.Client.GetGrain<IWardGrain>("westbourne").TakeSnapshotIfDueAsync());
        Assert.Equal(["2026-05", "2026-06"], (await cluster.Client.GetGrain<IWardGrain>("westbourne").GetHistoryAsync()).Select(h => h.Month));
    }

    [Fact]
    public async Task Champions_figures_survive_a_restart_and_later_reports_count_only_new_events()
    {
        await using var cluster = await Cluster.StartAsync();
        var events = new Events(cluster.Clock, "restart-champ");
        const string ward = "restart-champion-ward";
        const string champion = "restart-champion";
        var when = Cluster.Start.AddDays(-4);
        var today = DateOnly.FromDateTime(Cluster.Start.UtcDateTime);
        await Events.RecordAllAsync(cluster.Client, [events.Birth("rc-f1", "rc-c1", today.AddDays(-40), ward), events.Birth("rc-f2", "rc-c2", today.AddDays(-40), ward)]);
        var firstDropIn = events.DropIn(champion, when);
        var firstReceipt = await Events.RecordAsync(cluster.Client, firstDropIn);
        Assert.Equal(ReceiptStatus.Accepted, firstReceipt.Status);
        await Events.RecordAllAsync(cluster.Client, [
            events.Outreach("rc-f1", champion, "childrens-centre", when),
            events.Survey("rc-f2", champion, "childrens-centre", 4, when),
            events.DropIn(champion, when.AddDays(-7)),
        ]);
        await cluster.DrainAsync();
        var before = await Figures.WardAsync(cluster.Client, ward);
        Assert.Equal(2, Figures.Count(before, "champions.dropInsHosted"));
        Assert.Equal(1, Figures.Count(before, "champions.surveysCompleted"));

        await cluster.RestartAsync();

        // Straight from the ward's durable entries: nothing has woken the champion yet.
        var after = await Figures.WardAsync(cluster.Client, ward);
        Assert.Equal(2, Figures.Count(after, "champions.dropInsHosted"));
        Assert.Equal(1, Figures.Count(after, "champions.outreachContacts"));
        Assert.Equal(1, Figures.Count(after, "champions.surveysCompleted"));

        // The champion rebuilds from the journal: a drop-in recorded before the restart is a duplicate with its
        // original version, and a new one counts once however often it is sent.
        var resent = await Events.RecordAsync(cluster.Client, firstDropIn);
        Assert.Equal(ReceiptStatus.Duplicate, resent.Status);
        Assert.Equal(firstReceipt.Version, resent.Version);
        var repeat = await Events.RecordAsync(cluster.Client, events.DropIn(champion, when, eventId: "restart-champ-drop-in-again"));
        Assert.Equal(ReceiptStatus.Accepted, repeat.Status);
        Assert.Equal(ReceiptStatus.Duplicate, (await Events.RecordAsync(cluster.Client, events.DropIn(champion, when, eventId: "restart-champ-drop-in-again"))).Status);
        await cluster.DrainAsync();
        Assert.Equal(3, Figures.Count(await Figures.WardAsync(cluster.Client, ward), "champions.dropInsHosted"));
        Assert.Equal(5, repeat.Version);
        Assert.Empty((await cluster.Client.GetGrain<IWardGrain>(ward).ReconcileAsync()).Differences);
    }
}
