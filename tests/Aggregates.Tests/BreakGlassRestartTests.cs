using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.DependencyInjection;
using QpActors.Domain.Events;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Aggregates.Tests;

/// <summary>
/// A break-glass window survives the silo restarting (its family grain is activated afresh from what is durable) and
/// still closes at its end; and what that costs, counted at the journal: nothing when a family activates or is read by
/// its own ward's team, one read of the openings when an activation first meets a practitioner from elsewhere without a
/// reason, and no write beyond the audit entry each read already left.
/// </summary>
public sealed class BreakGlassRestartTests
{
    private const string Ward = "bgr-ward";
    private const string Reason = "Called by the out-of-hours GP about the baby's injury";

    [Fact]
    public async Task A_window_outlives_a_restart_on_sqlite_and_costs_one_read_of_the_openings() =>
        await AWindowOutlivesARestart(configure => Cluster.StartAsync(configure));

    [PostgresFact]
    public async Task A_window_outlives_a_restart_on_postgres_and_costs_one_read_of_the_openings() =>
        await AWindowOutlivesARestart(configure => Cluster.StartOnPostgresAsync(configure));

    private static async Task AWindowOutlivesARestart(Func<Action<IServiceCollection>, Task<Cluster>> start)
    {
        var calls = new JournalCalls();
        await using var cluster = await start(calls.Count);
        var events = new Events(cluster.Clock, "bgr");
        var familyId = events.NewId("f");
        await Events.RecordAsync(cluster.Client, events.FamilyRegistered(familyId, cluster.Clock.GetUtcNow().AddDays(-1), ward: Ward));
        // A reference belongs to the client it came from, and a restart brings a new client.
        IFamilyGrain Family() => cluster.Client.GetGrain<IFamilyGrain>(familyId);
        var team = new Caller("bgr-team", Roles.EarlyIntervention, [Ward], null, null);
        var elsewhere = new Caller("bgr-elsewhere", Roles.EarlyIntervention, ["bgr-other-ward"], null, null);
        var stranger = new Caller("bgr-stranger", Roles.EarlyIntervention, ["bgr-other-ward"], null, null);

        Assert.Equal(AccessOutcome.Granted, await ReadAsync(Family(), elsewhere, Reason));
        Assert.Equal(0, calls.Of(nameof(IEventJournal.ReadBreakGlassOpeningsAsync)));

        cluster.Clock.Advance(TimeSpan.FromMinutes(10));
        await cluster.RestartAsync();
        var appendsBefore = calls.Of(nameof(IEventJournal.AppendAsync));

        // The family activates afresh and its own ward's team reads it: the openings are not asked for.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(AccessOutcome.Granted, await ReadAsync(Family(), team, reason: null));
        }

        Assert.Equal(0, calls.Of(nameof(IEventJournal.ReadBreakGlassOpeningsAsync)));

        // The practitioner who gave the reason before the restart needs none now: one read of the openings, shared by the
        // reads that ask at once (reads of a family interleave), then memory.
        Assert.All(
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ReadAsync(Family(), elsewhere, reason: null))),
            outcome => Assert.Equal(AccessOutcome.Granted, outcome));
        Assert.Equal(AccessOutcome.Granted, await ReadAsync(Family(), elsewhere, reason: null));
        Assert.Equal(AccessOutcome.OutOfScope, await ReadAsync(Family(), stranger, reason: null));
        Assert.Equal(1, calls.Of(nameof(IEventJournal.ReadBreakGlassOpeningsAsync)));

        // Each read wrote its one audit entry and nothing else (the family has nothing of its own to save here).
        Assert.Equal(8, calls.Of(nameof(IEventJournal.AppendAsync)) - appendsBefore);

        // Past the window's end, after another restart, the reason is asked for again.
        cluster.Clock.Advance(TimeSpan.FromMinutes(20));
        await cluster.RestartAsync();
        Assert.Equal(AccessOutcome.OutOfScope, await ReadAsync(Family(), elsewhere, reason: null));

        // The reads inside the window, in the activations after each restart, were audited with the reason given before.
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var audit = await AsAsync(new Caller("bgr-admin", Roles.Admin, [], null, null), () =>
            cluster.Client.GetGrain<IAuditGrain>(0).QueryAsync(new AuditLogQuery(elsewhere.UserId, familyId, null, null, 1, 10)));
        Assert.Equal(["risk-status-denied", .. Enumerable.Repeat("risk-status-read", 5)], audit.Items.Select(e => e.Action));
        Assert.All(audit.Items.Skip(1), e => Assert.StartsWith(Reason, e.Reason, StringComparison.Ordinal));
        Assert.Equal(AuditEntry.BreakGlassOpened, audit.Items[^1].Detail);
        Assert.All(audit.Items.SkipLast(1), e => Assert.Null(e.Detail));
    }

    [Fact]
    public async Task A_decision_made_in_a_window_is_answered_by_its_receipt_after_the_window_closed_on_sqlite_and_only_a_repeat_looks_its_event_up() =>
        await ADecisionRetriedAfterTheWindow(configure => Cluster.StartAsync(configure));

    [PostgresFact]
    public async Task A_decision_made_in_a_window_is_answered_by_its_receipt_after_the_window_closed_on_postgres_and_only_a_repeat_looks_its_event_up() =>
        await ADecisionRetriedAfterTheWindow(configure => Cluster.StartOnPostgresAsync(configure));

    /// <summary>
    /// A practitioner from another ward opens the family, sets its level, and retries the decision after the window closed
    /// and the silo restarted (a fresh activation): the retry is answered by the receipt, looking up the stored event once;
    /// the first decision looked nothing up. A new decision, and the same one from a colleague who never opened the family,
    /// are refused and record nothing.
    /// </summary>
    private static async Task ADecisionRetriedAfterTheWindow(Func<Action<IServiceCollection>, Task<Cluster>> start)
    {
        var calls = new JournalCalls();
        await using var cluster = await start(calls.Count);
        var events = new Events(cluster.Clock, "bgl");
        var familyId = events.NewId("f");
        await Events.RecordAsync(cluster.Client, events.FamilyRegistered(familyId, cluster.Clock.GetUtcNow().AddDays(-1), ward: Ward));
        IFamilyGrain Family() => cluster.Client.GetGrain<IFamilyGrain>(familyId);
        var elsewhere = new Caller("bgl-elsewhere", Roles.EarlyIntervention, ["bgl-other-ward"], null, null);
        var colleague = new Caller("bgl-colleague", Roles.EarlyIntervention, ["bgl-other-ward"], null, null);
        ContactEvent DecisionBy(Caller practitioner, string? eventId = null)
        {
            var made = events.Make(EventTypes.ServiceLevelSet, familyId, null, cluster.Clock.GetUtcNow(),
                new System.Text.Json.Nodes.JsonObject { ["level"] = "universal-plus", ["reason"] = "Seen out of hours; agreed extra support" },
                "service:early-intervention", eventId);
            return made with { Practitioner = practitioner.UserId };
        }

        Assert.Equal(AccessOutcome.Granted, await ReadAsync(Family(), elsewhere, Reason));
        var decision = DecisionBy(elsewhere);
        var lookups = calls.Of(nameof(IEventJournal.FindEventAsync));
        var first = await DecideAsync(Family(), elsewhere, decision);
        Assert.Equal((AccessOutcome.Granted, ReceiptStatus.Accepted), (first.Outcome, first.Receipt?.Status));
        Assert.Equal(lookups, calls.Of(nameof(IEventJournal.FindEventAsync)));

        cluster.Clock.Advance(FamilyGrainWindow + TimeSpan.FromMinutes(1));
        await cluster.RestartAsync();
        var retried = await DecideAsync(Family(), elsewhere, decision with { ReceivedAt = cluster.Clock.GetUtcNow() });
        var another = await DecideAsync(Family(), elsewhere, DecisionBy(elsewhere));
        var colleagues = await DecideAsync(Family(), colleague, DecisionBy(colleague, decision.EventId));

        Assert.Equal((AccessOutcome.Granted, ReceiptStatus.Duplicate, first.Receipt!.Version), (retried.Outcome, retried.Receipt?.Status, retried.Receipt?.Version));
        Assert.Equal(lookups + 2, calls.Of(nameof(IEventJournal.FindEventAsync)));
        Assert.Equal((AccessOutcome.OutOfScope, null), (another.Outcome, another.Receipt));
        Assert.Equal((AccessOutcome.OutOfScope, null), (colleagues.Outcome, colleagues.Receipt));
        var status = await AsAsync(new Caller("bgl-team", Roles.EarlyIntervention, [Ward], null, null), () => Family().ReadRiskStatusAsync(new ReadPurpose("risk-status", null)));
        Assert.Equal(first.Receipt.Version, status.Status!.Version);
    }

    private static readonly TimeSpan FamilyGrainWindow = QpActors.Grains.FamilyGrain.BreakGlassWindow;

    private static Task<LevelDecisionAnswer> DecideAsync(IFamilyGrain family, Caller caller, ContactEvent decision) =>
        AsAsync(caller, () => family.DecideLevelAsync(decision, new ReadPurpose("set-level", null)));

    private static async Task<AccessOutcome> ReadAsync(IFamilyGrain family, Caller caller, string? reason) =>
        (await AsAsync(caller, () => family.ReadRiskStatusAsync(new ReadPurpose("risk-status", reason)))).Outcome;

    private static async Task<T> AsAsync<T>(Caller caller, Func<Task<T>> call)
    {
        CallerContext.Set(caller);
        try
        {
            return await call();
        }
        finally
        {
            CallerContext.Clear();
        }
    }

    /// <summary>Counts the silo's journal calls by method, in front of the journal the silo registered.</summary>
    private sealed class JournalCalls
    {
        private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

        public int Of(string method) => _calls.GetValueOrDefault(method);

        public void Count(IServiceCollection services)
        {
            var registered = services.Last(d => d.ServiceType == typeof(IEventJournal));
            var create = registered.ImplementationFactory ?? throw new InvalidOperationException("The journal is registered by a factory.");
            services.AddSingleton(sp => Counting.Wrap((IEventJournal)create(sp), _calls));
        }
    }

    /// <summary>A proxy that counts each call and hands it on.</summary>
    public class Counting : DispatchProxy
    {
        private IEventJournal _inner = null!;
        private ConcurrentDictionary<string, int> _calls = null!;

        public static IEventJournal Wrap(IEventJournal inner, ConcurrentDictionary<string, int> calls)
        {
            var proxy = Create<IEventJournal, Counting>();
            var counting = (Counting)(object)proxy;
            counting._inner = inner;
            counting._calls = calls;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            _calls.AddOrUpdate(targetMethod.Name, 1, (_, n) => n + 1);
            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
        }
    }
}
