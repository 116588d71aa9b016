using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Domain.Events;
using QpActors.Grains;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;
using QpActors.Tests.Shared;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// What an acknowledged entered-in-error mark sets in motion reaches everyone it concerns: the family of a child whose
/// birth record was marked even when the child's notice is lost, a champion's signposted-then-reached tally when the event
/// that reached the family is marked, and the recording service's summary at once. On SQLite and PostgreSQL.
/// </summary>
public sealed class MarkFollowThroughTests
{
    private static ContactEvent Mark(Events events, ContactEvent marked, string reason) =>
        events.Make(EventTypes.EnteredInError, marked.FamilyId!, marked.ChildId, marked.OccurredAt.AddMinutes(5),
            new JsonObject { ["eventId"] = marked.EventId, ["reason"] = reason }, marked.RecordedBy);

    [Fact]
    public async Task A_lost_notice_of_a_marked_birth_record_is_taken_by_the_family_at_the_next_sweep()
    {
        var losing = new LoseMarkNotices();
        await using var cluster = await Cluster.StartAsync(silo => silo.AddSingleton<IOutgoingGrainCallFilter>(losing));
        await LostNoticeAsync(cluster, losing, "lost-notice-sqlite");
    }

    [PostgresFact]
    public async Task A_lost_notice_of_a_marked_birth_record_is_taken_by_the_family_at_the_next_sweep_on_postgres()
    {
        var losing = new LoseMarkNotices();
        await using var cluster = await Cluster.StartOnPostgresAsync(silo => silo.AddSingleton<IOutgoingGrainCallFilter>(losing));
        await LostNoticeAsync(cluster, losing, "lost-notice-pg-" + Guid.NewGuid().ToString("N")[..8]);
    }

    /// <summary>
    /// The family's ward came only from its child's birth record. The birth is marked and the child's one-way notice to the
    /// family is lost: the child leaves the ward at once (its own commit), the family stays counted. Reconciliation asks
    /// the live family, which was never told, so it sees nothing to repair; the mark's pending notice, durable with the
    /// mark, makes the sweep a minute later have the family take the mark and leave the ward, in memory and in the journal.
    /// </summary>
    private static async Task LostNoticeAsync(Cluster cluster, LoseMarkNotices losing, string prefix)
    {
        var events = new Events(cluster.Clock, prefix);
        var ward = prefix + "-w";
        var (stays, family, child) = (events.NewId("f-stays"), events.NewId("f"), events.NewId("c"));
        var today = DateOnly.FromDateTime(cluster.Clock.GetUtcNow().UtcDateTime);
        var birth = events.Birth(family, child, today.AddDays(-40), ward);
        await Events.RecordAllAsync(cluster.Client, [events.FamilyRegistered(stays, cluster.Clock.GetUtcNow().AddDays(-20), ward: ward), birth], inFlight: 1);
        await cluster.DrainAsync();
        Assert.Equal([family, stays], (await WorklistAsync(cluster, ward)).Order(StringComparer.Ordinal));

        losing.Losing = true;
        Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(cluster.Client, Mark(events, birth, "Not born in this family"))).Status);
        await cluster.DrainAsync();
        Assert.Equal(1, losing.Lost);
        Assert.Equal(0, Figures.CountOrZero(await Figures.WardAsync(cluster.Client, ward), "reach.known"));
        Assert.Contains(family, await WorklistAsync(cluster, ward));

        var wardGrain = cluster.Client.GetGrain<IWardGrain>(ward);
        var reconciled = await wardGrain.ReconcileAsync();
        Assert.DoesNotContain(reconciled.Differences, d => d.StartsWith("family:" + family, StringComparison.Ordinal));
        Assert.Contains(family, await WorklistAsync(cluster, ward));

        // Not due before its grace: a notice on its way has that long to arrive and clear it.
        var sweeper = cluster.Client.GetGrain<IDeadlineSweeperGrain>(0);
        await sweeper.SweepAsync();
        await cluster.DrainAsync();
        Assert.Contains(family, await WorklistAsync(cluster, ward));

        cluster.Clock.Advance(MarkNotices.Grace);
        await sweeper.SweepAsync();
        await cluster.DrainAsync();

        Assert.Equal([stays], await WorklistAsync(cluster, ward));
        Assert.Null((await cluster.Client.GetGrain<IFamilyGrain>(family).GetRiskStatusAsync()).WardCode);
        await using (var journal = EventJournalFactory.Create(cluster.Storage))
        {
            Assert.Equal(["family:" + stays], (await journal.ReadWardEntriesAsync(ward)).Select(e => e.EntryKey));
            Assert.Contains("family:" + family, (await journal.ReadWardDeparturesAsync(ward)).Select(d => d.EntryKey));
            Assert.DoesNotContain(await journal.ReadDueAsync(cluster.Clock.GetUtcNow().AddYears(10), 1000), d => d.EntityKey.StartsWith(MarkNotices.Prefix, StringComparison.Ordinal));
        }

        Assert.Empty((await wardGrain.ReconcileAsync()).Differences);
        await cluster.RestartAsync();
        Assert.Equal([stays], await WorklistAsync(cluster, ward));
    }

    [Fact]
    public async Task A_notice_that_arrives_clears_the_marks_pending_notice()
    {
        await using var cluster = await Cluster.StartAsync();
        var events = new Events(cluster.Clock, "notice-clears");
        var (family, child) = (events.NewId("f"), events.NewId("c"));
        var today = DateOnly.FromDateTime(cluster.Clock.GetUtcNow().UtcDateTime);
        var visit = events.AandE(family, child, cluster.Clock.GetUtcNow().AddDays(-1));
        await Events.RecordAllAsync(cluster.Client, [events.Birth(family, child, today.AddDays(-40), "notice-clears-w"), visit], inFlight: 1);
        var mark = Mark(events, visit, "Posted on the wrong child");
        Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(cluster.Client, mark)).Status);
        await cluster.DrainAsync();

        await using var journal = EventJournalFactory.Create(cluster.Storage);
        Assert.DoesNotContain(await journal.ReadDueAsync(cluster.Clock.GetUtcNow().AddYears(10), 1000), d => d.EntityKey == MarkNotices.Key(mark.EventId));
    }

    [Fact]
    public async Task A_marked_registration_that_reached_a_signposted_family_takes_it_out_of_the_champions_tally_unless_another_still_reaches_it()
    {
        var late = new HoldReachNotices();
        await using var cluster = await Cluster.StartAsync(silo => silo.AddSingleton<IOutgoingGrainCallFilter>(late));
        await MarkedReachAsync(cluster, late, "mark-reach-sqlite");
    }

    [PostgresFact]
    public async Task A_marked_registration_that_reached_a_signposted_family_takes_it_out_of_the_champions_tally_unless_another_still_reaches_it_on_postgres()
    {
        var late = new HoldReachNotices();
        await using var cluster = await Cluster.StartOnPostgresAsync(silo => silo.AddSingleton<IOutgoingGrainCallFilter>(late));
        await MarkedReachAsync(cluster, late, "mark-reach-pg-" + Guid.NewGuid().ToString("N")[..8]);
    }

    /// <summary>
    /// Three families the champion signposted, each reached by a registration; the second also by a later attendance, and
    /// the third's notice of its reach is held on its way. All three registrations are marked: the first family is reached
    /// by nothing now, the second still by its attendance, and the third's notice, arriving after the mark's (one-way
    /// messages may be reordered), counts nothing. A restart holds the same.
    /// </summary>
    private static async Task MarkedReachAsync(Cluster cluster, HoldReachNotices late, string prefix)
    {
        var events = new Events(cluster.Clock, prefix);
        var ward = prefix + "-w";
        var now = cluster.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var champion = events.NewId("ch");
        var families = Enumerable.Range(1, 3).Select(i => (Family: events.NewId($"f{i}"), Child: events.NewId($"c{i}"))).ToArray();
        late.FamilyId = families[2].Family;
        await Events.RecordAllAsync(cluster.Client,
        [
            .. families.Select(f => events.Birth(f.Family, f.Child, today.AddDays(-40), ward)),
            .. families.Select(f => events.Outreach(f.Family, champion, "childrens-centre", now.AddDays(-3))),
        ], inFlight: 1);
        await cluster.DrainAsync();
        var registrations = families.Select(f => events.Registered(f.Family, f.Child, now.AddDays(-2))).ToArray();
        var attendance = events.Make(EventTypes.SessionAttended, families[1].Family, families[1].Child, now.AddDays(-1), new JsonObject { ["session"] = "stay-and-play" }, "service:childrens-centre");
        await Events.RecordAllAsync(cluster.Client, registrations, inFlight: 1);
        await cluster.DrainAsync();
        await Events.RecordAllAsync(cluster.Client, [attendance], inFlight: 1);
        await cluster.DrainAsync();
        var championGrain = cluster.Client.GetGrain<IChampionGrain>(champion);
        Assert.Equal(1, late.Held);
        Assert.Equal((3, 2), Reach(await championGrain.GetSummaryAsync()));

        foreach (var registration in registrations)
        {
            Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(cluster.Client, Mark(events, registration, "Registered the wrong child"))).Status);
        }

        await cluster.DrainAsync();
        Assert.Equal((3, 1), Reach(await championGrain.GetSummaryAsync()));

        await late.ReleaseAsync();
        await cluster.DrainAsync();
        Assert.Equal((3, 1), Reach(await championGrain.GetSummaryAsync()));

        await cluster.RestartAsync();
        Assert.Equal((3, 1), Reach(await cluster.Client.GetGrain<IChampionGrain>(champion).GetSummaryAsync()));
    }

    private static (int Signposted, int Reached) Reach(ChampionSummary summary) => (summary.FamiliesSignposted, summary.SignpostedThenReached);

    [Fact]
    public Task A_services_summary_counts_its_marked_events_no_more_at_once() =>
        ServiceSummaryAsync(Cluster.StartAsync(), "mark-service-sqlite");

    [PostgresFact]
    public Task A_services_summary_counts_its_marked_events_no_more_at_once_on_postgres() =>
        ServiceSummaryAsync(Cluster.StartOnPostgresAsync(), "mark-service-pg-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>
    /// The service's summary is read (so its next refresh is a few seconds away), then a child's event and a family's event
    /// it recorded are marked: the next summary, read at once, counts neither.
    /// </summary>
    private static async Task ServiceSummaryAsync(Task<Cluster> starting, string prefix)
    {
        await using var cluster = await starting;
        var events = new Events(cluster.Clock, prefix);
        var now = cluster.Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var (family, child) = (events.NewId("f"), events.NewId("c"));
        var visit = events.AandE(family, child, now.AddDays(-1));
        var concern = events.Concern(family, "housing", now.AddDays(-1));
        await Events.RecordAllAsync(cluster.Client, [events.Birth(family, child, today.AddDays(-40), prefix + "-w"), visit, concern], inFlight: 1);
        await cluster.DrainAsync();
        var service = cluster.Client.GetGrain<IServiceGrain>("health-visiting");
        var before = await service.GetSummaryAsync();
        Assert.Equal((1, 1), (before.ContactsByType[EventTypes.AeAttendance], before.ContactsByType[EventTypes.ConcernRaised]));

        Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(cluster.Client, Mark(events, visit, "Posted on the wrong child"))).Status);
        var afterChildsMark = await service.GetSummaryAsync();
        Assert.False(afterChildsMark.ContactsByType.ContainsKey(EventTypes.AeAttendance));
        Assert.Equal(before.ContactsLast12Months - 1, afterChildsMark.ContactsLast12Months);

        Assert.Equal(ReceiptStatus.Accepted, (await Events.RecordAsync(cluster.Client, Mark(events, concern, "Raised on the wrong family"))).Status);
        var afterFamilysMark = await service.GetSummaryAsync();
        Assert.False(afterFamilysMark.ContactsByType.ContainsKey(EventTypes.ConcernRaised));
        Assert.Equal(before.ContactsLast12Months - 2, afterFamilysMark.ContactsLast12Months);
    }

    private static async Task<List<string>> WorklistAsync(Cluster cluster, string ward) =>
        [.. (await WorklistAwaitingDecisionTests.WorklistAsync(cluster, ward, new WorklistQuery(null, null, null, 1, 50))).Items.Select(i => i.FamilyId)];

    /// <summary>
    /// Holds a family's one-way notice to its champion that it was reached (<see cref="FamilyId"/>'s), before the filter that
    /// counts one-way messages, until <see cref="ReleaseAsync"/>: a notice overtaken on its way by later ones.
    /// </summary>
    private sealed class HoldReachNotices : IOutgoingGrainCallFilter
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _held;

        public string? FamilyId { get; set; }

        public int Held => Volatile.Read(ref _held);

        /// <summary>Lets the held notice go, and returns once it is on its way (counted, so a drain waits for it).</summary>
        public async Task ReleaseAsync()
        {
            _release.TrySetResult();
            await _sent.Task.WaitAsync(Delivery.Deadline);
        }

        public async Task Invoke(IOutgoingGrainCallContext context)
        {
            if (context.MethodName != nameof(IChampionGrain.SignpostedFamilyReachedAsync) || FamilyId is null
                || !string.Equals(context.Request.GetArgument(0) as string, FamilyId, StringComparison.Ordinal))
            {
                await context.Invoke();
                return;
            }

            Interlocked.Increment(ref _held);
            await _release.Task;
            try
            {
                await context.Invoke();
            }
            finally
            {
                _sent.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Loses, while <see cref="Losing"/>, a child's one-way notice to its family that holds a mark, as a silo failing
    /// between the child's commit and the family's turn would: dropped before it is sent, ahead of the filter that counts
    /// one-way messages, so a drain does not wait for it.
    /// </summary>
    private sealed class LoseMarkNotices : IOutgoingGrainCallFilter
    {
        private int _lost;

        public bool Losing { get; set; }

        public int Lost => Volatile.Read(ref _lost);

        public Task Invoke(IOutgoingGrainCallContext context)
        {
            if (Losing && context.MethodName == nameof(IFamilyGrain.ApplyChildEventsAsync)
                && context.Request.GetArgument(0) is ContactEvent[] contacts && Array.Exists(contacts, static c => c.Data is EnteredInError))
            {
                Interlocked.Increment(ref _lost);
                return Task.CompletedTask;
            }

            return context.Invoke();
        }
    }
}
