using Microsoft.Extensions.Logging;
using QpActors.Domain;
using QpActors.Domain.Events;
using QpActors.Domain.Model;
using QpActors.Domain.Risk;
using QpActors.Domain.Schedule;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// A family's live record. Every event with this family id is in the journal with that id, children's
/// events included, so the family rebuilds both its own state and its children's from one query and
/// derives its risk (family factors plus its highest-scoring child) without calling any child.
/// Reads of the risk status are scope-checked against the caller's wards and audited before returning.
/// </summary>
public sealed class FamilyGrain(
    IEventJournal journal,
    RiskEngine engine,
    ReviewWindows schedule,
    GrainClock time,
    WardFeed feed,
    ILogger<FamilyGrain> logger) : Grain, IFamilyGrain, IRiskSubject
{
    /// <summary>How long a break-glass reason opens an out-of-ward family for the same user.</summary>
    public static readonly TimeSpan BreakGlassWindow = TimeSpan.FromMinutes(30);

    // How often a read may re-read the family's rows for notices it missed (CatchUpAsync), by the silo's clock: its
    // monotonic timestamp, the system's in production and the one a test moves.
    private static readonly TimeSpan CatchUpEvery = TimeSpan.FromMinutes(1);

    // The saved entry is derived data, only read by a ward reloading after a restart. A clean stop saves it; after a
    // crash it stays stale until the family saves again, since activation alone writes nothing: its first child event
    // or deadline tick saves at once, and a ward's reconciliation corrects the ward's live copy meanwhile. Saving it less
    // often than every few events keeps a busy family from doubling the journal's writes.
    private static readonly TimeSpan SaveEvery = TimeSpan.FromSeconds(15);

    private readonly Dictionary<string, ChildState> _children = new(StringComparer.Ordinal);
    // Per user: until when a break-glass reason keeps this family open to them, and the reason (each read inside the window
    // names it). Only windows not yet over are kept. Every opening is also in the audit log, durable before the read that
    // gave the reason returned, so a window outlives this activation: the first time an activation needs a window it has
    // not opened itself, it reads the openings of the last BreakGlassWindow back from there (OpenWindowAsync), once.
    // Until then this holds only what this activation opened, and activating and reading in-ward cost nothing more.
    private readonly Dictionary<string, OpenWindow> _breakGlass = new(StringComparer.Ordinal);

    // That one read of the openings, shared: reads of a family interleave ([ReadOnly]), so several may ask at once.
    private Task? _openingsRead;
    private readonly Dictionary<string, ChildAssessment> _assessed = new(StringComparer.Ordinal);
    private FamilyState _state = null!;
    private RiskTimeline _timeline = null!;
    // The payload last handed to the ward feed, copied into a buffer this family owns (see HeldContribution).
    private HeldContribution? _published;

    // The ward the family was last reported to; until its first report after activation, the ward its state names.
    private string? _publishedWard;

    // The ward the family left by a child's event, until the journal has the entry that moved it (see PublishLiveAsync).
    private string? _leftWard;

    // The ward the family's rows named until a mark took back every record that named one (Refold); null otherwise.
    private string? _wardLeftByMark;
    private long _lastCatchUp;
    private bool _unsaved;
    private long _savedAt;
    private RiskStatusView? _view;

    // When the risk and the level last changed, as the ward entry carries them: read from the timeline again only after
    // it records another change, so the contact path pays a comparison, not a walk through the history.
    private long _marksRecorded = -1;
    private RiskMarks _marks;

    // The changes of the rules this family met, read back from its ward entry on activation and written with every entry
    // after, with their form in the entry (built once: an entry is built on every event).
    private RulesChange[] _rulesChanges = [];
    private RulesChangeEntry[]? _rulesChangeEntries;

    // An entry of other rules was met on activation: the rules change is written at once, so it is met only once.
    private bool _rulesChangeUnsaved;

    // Read once: GetPrimaryKeyString decodes the grain id into a new string on every call.
    private string FamilyId => field ??= this.GetPrimaryKeyString();

    private string EntityKey => field ??= "family:" + FamilyId;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var rows = await journal.ReadAllEventsAsync(EventQuery.ForFamily(FamilyId), cancellationToken);

        // A family with events may have an entry, the last thing it wrote: the rules changes it met, and, if it was written
        // under other rules, what the family showed under them. Read before folding, as the changes take their places
        // between the events.
        var entry = rows.Count == 0 ? null : await journal.ReadWardEntryAsync(EntityKey, cancellationToken);
        var previous = entry is { Kind: "family" } ? ContributionJson.Deserialize<FamilyContribution>(entry.Payload.Bytes) : null;
        if (previous?.RulesChanges is { Count: > 0 } met)
        {
            SetRulesChanges([.. met.Select(c => new RulesChange(c.At, c.From, c.To, c.PreviousScore, WireName.Parse<ServiceLevel>(c.PreviousLevel)))]);
        }

        Rebuild(rows, previous);

        // A family a mark took out of every ward still holds an entry in the ward it was in until it tells that ward: an
        // activation set off by the child's notice of that mark finds the mark already in its rows.
        _publishedWard = _state.WardCode ?? _wardLeftByMark;
        if (_rulesChangeUnsaved)
        {
            await SaveContributionAsync(force: true);
            _rulesChangeUnsaved = false;
        }
        logger.LogDebug("Family {FamilyId} activated from {Count} events", FamilyId, rows.Count);
    }

    /// <summary>
    /// After a mark took back every record that put the family in a ward (its registration, say), the ward it was in lets
    /// go of it: the family has no contribution, so no report would ever tell the ward. The departure is durable before
    /// the ward hears, as a move's is, so a ward that reloads still refuses the family's older reports: the family's own
    /// mark wrote it with the mark (<paramref name="departureWritten"/>); a child's mark, committed by the child, did not,
    /// so the family writes it here.
    /// </summary>
    private async Task LeaveWardIfNoneAsync(bool departureWritten = false)
    {
        if (_state.WardCode is null && _publishedWard is { } left)
        {
            if (!departureWritten)
            {
                await journal.AppendAsync(new JournalWrite(null, [], [], [], WardDeparture.Leaving(left, EntityKey, _state.Version)));
            }

            await GrainFactory.For<IWardGrain>(left).EntityLeftAsync(EntityKey, _state.Version);
            _publishedWard = null;
            _published = null;
            _unsaved = false;
        }
    }

    /// <summary>
    /// Folds the family, its children and its risk history afresh from its journal rows: on activation, and after an
    /// entered-in-error mark, which cannot be undone in place (marks are rare; every other event is applied as it comes).
    /// </summary>
    private async Task<IReadOnlyList<JournalEvent>> LoadAsync(CancellationToken cancellationToken = default)
    {
        var rows = await journal.ReadAllEventsAsync(EventQuery.ForFamily(FamilyId), cancellationToken);
        Rebuild(rows);
        return rows;
    }

    /// <summary>Folds the family, its children and its risk history afresh from <paramref name="rows"/>, all its rows in arrival order.</summary>
    /// <param name="entry">On activation, the entry the family last wrote: one of other rules is a rules change met now.</param>
    private void Rebuild(IReadOnlyList<JournalEvent> rows, FamilyContribution? entry = null)
    {
        _state = new FamilyState(FamilyId);
        _wardLeftByMark = null;
        _children.Clear();
        _assessed.Clear();
        _view = null;
        _marksRecorded = -1;
        _timeline = new RiskTimeline(this);
        foreach (var change in _rulesChanges)
        {
            _timeline.ScheduleRulesChange(change);
        }

        var lastReceipt = Absorb(rows);
        var now = time.GetUtcNow();
        var until = now;
        if (entry is not null && (entry.RulesVersion ?? RulesBeforeEntriesNamedThem) is var shown && shown != engine.Rules.Version)
        {
            // Met now, after every event already received (a tick after the last, should it be received at this instant),
            // so a rebuild that knows of it from the entry walks through it in the same place among the events.
            var at = lastReceipt >= now ? lastReceipt.AddTicks(1) : now;
            var change = new RulesChange(at, shown, engine.Rules.Version, entry.Score, WireName.Parse<ServiceLevel>(entry.SuggestedLevel));
            SetRulesChanges([.. _rulesChanges, change]);
            _timeline.ScheduleRulesChange(change);
            _rulesChangeUnsaved = true;
            until = at;
        }

        _timeline.AdvanceTo(until);
        _lastCatchUp = time.GetTimestamp();
    }

    /// <summary>The rules an entry that does not name its rules was assessed under: entries named them from risk-rules.v2 on.</summary>
    private const string RulesBeforeEntriesNamedThem = "risk-rules.v1";

    private void SetRulesChanges(RulesChange[] changes)
    {
        _rulesChanges = changes;
        _rulesChangeEntries = changes.Length == 0
            ? null
            : [.. changes.Select(c => new RulesChangeEntry(c.At, c.From, c.To, c.PreviousScore, c.PreviousLevel.ToWireName()))];
    }

    public async Task<ContactReceipt> RecordAsync(ContactEvent contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        if (!string.Equals(contact.FamilyId, FamilyId, StringComparison.Ordinal))
        {
            return ContactReceipt.Rejected(contact.EventId, [new FieldProblem("familyId", "the event is for another family")]);
        }

        if (contact.ChildId is not null)
        {
            return ContactReceipt.Rejected(contact.EventId, [new FieldProblem("childId", "events about a child are recorded by the child")]);
        }

        var next = _state.Apply(contact);
        if (next.Version == _state.Version)
        {
            return ForName(contact, await journal.DuplicateReceiptAsync(contact));
        }

        // Rare: the family is folded again from its events with the mark, which the events must justify.
        List<ContactEvent>? events = null;
        if (contact.Data is EnteredInError)
        {
            events = [.. (await journal.ReadAllEventsAsync(EventQuery.ForFamily(FamilyId))).Select(r => ContactEventJson.Deserialize(r.Payload.Bytes)), contact];
            if (!MarksInError.MarksOneOf(contact, events))
            {
                return ContactReceipt.Rejected(contact.EventId, [new FieldProblem("data.eventId", MarksInError.NotYours)]);
            }

            next = FamilyState.Fold(FamilyId, events);
        }

        // Not a repeat of an event of this family's (a retry of a recorded decision answered above, whatever name its token
        // carries): a decision whose token's name cannot be kept is refused now, before anything is written, and before it
        // is asked whether the caller may set a level or whether another entity holds its id.
        if (NameRefusal(contact) is { } refused)
        {
            return refused;
        }

        var now = time.GetUtcNow();
        if (contact.Data is ServiceLevelSet && !await MaySetLevelAsync(CallerContext.Current, now))
        {
            return ContactReceipt.Rejected(contact.EventId, [new FieldProblem("familyId", "only a practitioner (a frontline service, or the early intervention team for this family's ward) may set its service level")]);
        }

        // As a replay: time passes under the state before the event up to its receipt. Done before the entry is built, so
        // a change time made before the receipt is not taken for the event's (the entry carries when the risk changed).
        _timeline.AdvanceTo(contact.ReceivedAt);
        var entry = Contribution(next, _children, now, pendingAt: contact.ReceivedAt);
        var appended = await journal.AppendAsync(new JournalWrite(
            JournalRows.From(contact, next.WardCode, next.Version),
            entry is null ? [] : [entry],
            [new Deadline(EntityKey, NextChangeOf(next, _children, now))],
            [],
            WardDeparture.From(_publishedWard, entry) ?? (events is not null && entry is null ? WardDeparture.Leaving(_publishedWard, EntityKey, next.Version) : null)));
        if (!appended.Inserted)
        {
            return await journal.DuplicateReceiptAsync(contact);
        }

        // Then the event is observed at its receipt (time was walked there above; again in case a read went past it). A
        // mark is taken as a rebuild from the journal will take it: the family, its history and all, folded from its rows.
        if (events is not null)
        {
            await LoadAsync();
            await LeaveWardIfNoneAsync(departureWritten: true);
            await MarkNotices.TellServiceAsync(GrainFactory, contact, logger);
        }
        else
        {
            _timeline.AdvanceTo(contact.ReceivedAt);
            _state = next;
            _timeline.Observe(contact.ReceivedAt, contact.EventId);
        }

        Publish(entry);
        if (RiskViews.ChampionOf(contact) is { } champion)
        {
            _ = GrainFactory.For<IChampionGrain>(champion).ContactRecordedAsync(contact);
        }

        return new ContactReceipt(contact.EventId, ReceiptStatus.Accepted, next.Version, []);
    }

    public async Task<LevelDecisionAnswer> DecideLevelAsync(ContactEvent decision, ReadPurpose purpose)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(purpose);
        var caller = CallerContext.Current;

        // A retry before access: a decision made inside a break-glass window and retried after it closed (the phone was
        // offline, the answer lost) was refused though it was recorded, and the phone could not tell it was done. Whether
        // the id is a repeat is asked of this family's state, in memory, so a first decision pays for nothing more; the
        // stored event is read only for a repeat, as every repeat's is.
        if (caller is { Role: Roles.EarlyIntervention } && decision.Data is ServiceLevelSet
            && string.Equals(decision.FamilyId, FamilyId, StringComparison.Ordinal) && Holds(decision.EventId))
        {
            var (original, version) = await journal.FindSendersEventAsync(decision);

            // The receipt (id, status, version) names nothing identifiable, and the practitioner who made the decision knows
            // it already. To anyone else outside the family's access the id is not even said to be taken: refused below, as
            // a new decision would be.
            var theirs = original is { Data: ServiceLevelSet } && string.Equals(original.Practitioner, caller.UserId, StringComparison.Ordinal);
            if (theirs || await MaySetLevelAsync(caller, time.GetUtcNow()))
            {
                return new LevelDecisionAnswer(AccessOutcome.Granted, ForName(decision, original is null
                    ? ContactReceipt.Rejected(decision.EventId, [new FieldProblem("eventId", ContactReceipt.TakenByAnotherRecorder)])
                    : ContactReceipt.ForRepeat(original, version, decision)));
            }
        }

        // Not a retry: a decision whose token's name cannot be kept is bad input, refused before the access decision, which
        // is audited as a read of the family. A refusal for the name says nothing of the family (it is the same for one in
        // the caller's wards, outside them, or none), and it leaves no entry saying the family was opened for a decision
        // that was never going to be recorded.
        if (NameRefusal(decision) is { } refused)
        {
            return new LevelDecisionAnswer(AccessOutcome.Granted, refused);
        }

        var (outcome, _) = await OpenForReadAsync(purpose);
        return outcome == AccessOutcome.Granted
            ? new LevelDecisionAnswer(outcome, await RecordAsync(decision))
            : new LevelDecisionAnswer(outcome, null);
    }

    /// <summary>The refusal of a decision whose token's name cannot be kept (<see cref="ContactEvent.PractitionerNameProblem"/>); null for any other event.</summary>
    private static ContactReceipt? NameRefusal(ContactEvent contact) =>
        contact.PractitionerNameProblem is { } problem
            ? ContactReceipt.Rejected(contact.EventId, [new FieldProblem(PractitionerNames.Field, problem)])
            : null;

    /// <summary>
    /// The answer to an event under an id this family holds, for a decision from a token whose name cannot be kept: a retry
    /// of the decision still answers its receipt (the name is not part of the compared event), and anything else under the
    /// id is refused for the name, as it is under an id that is free or that another entity holds. So where an id is held
    /// never changes which field a refusal names, and the name is named first, as the fault the sender can see.
    /// </summary>
    private static ContactReceipt ForName(ContactEvent contact, ContactReceipt receipt) =>
        receipt.Status == ReceiptStatus.Rejected && NameRefusal(contact) is { } refused ? refused : receipt;

    /// <summary>Whether this family holds an event under <paramref name="eventId"/> (its ids are kept sorted).</summary>
    private bool Holds(string eventId) =>
        System.Collections.Immutable.ImmutableArray.BinarySearch(_state.EventIds.AsImmutableArray(), eventId, StringComparer.Ordinal) >= 0;

    public async Task ApplyChildEventsAsync(ContactEvent[] contacts, ChildAssessed[] assessed)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        ArgumentNullException.ThrowIfNull(assessed);
        if (contacts.Length == 0 || assessed.Length != contacts.Length)
        {
            throw new ArgumentException("One assessment per event, and at least one event.", nameof(assessed));
        }

        // A mark a child recorded is already in the journal: the family folds itself again from its rows, as a rebuild
        // will (marks are rare), and publishes what is left.
        if (Array.Exists(contacts, static c => c.Data is EnteredInError))
        {
            await TakeMarksAsync([.. contacts.Where(static c => c.Data is EnteredInError).Select(static c => c.EventId)]);
            return;
        }

        // Each event goes through the same steps as on replay: time passes under the state before it up to its receipt,
        // then the event is observed there (where the child assessed it too, so its assessment can be adopted).
        var observed = false;
        DateTimeOffset at = default;
        RiskAssessment? assessment = null;
        for (var i = 0; i < contacts.Length; i++)
        {
            var contact = contacts[i];
            var before = _state.Version;
            at = contact.ReceivedAt;
            _timeline.AdvanceTo(at);
            ApplyLocally(contact);
            Adopt(contact.ChildId, assessed[i]);

            // A notice that woke this family finds the event already loaded from the journal: it must still
            // publish its contribution once, or the ward would keep a stale one.
            if (_state.Version == before && _published is not null)
            {
                continue;
            }

            assessment = Assess(_state, _children, at);
            _timeline.Observe(at, contact.EventId, assessment);
            observed = true;
        }

        if (!observed)
        {
            return;
        }

        await PublishLiveAsync(at, assessment!);
        foreach (var contact in contacts)
        {
            if (contact.Data is CentreRegistered or SessionAttended)
            {
                foreach (var link in _state.Champions.Where(l => l.Outreaches.Any(o => o.Detail is not null && o.At <= contact.OccurredAt)))
                {
                    _ = GrainFactory.For<IChampionGrain>(link.ChampionId).SignpostedFamilyReachedAsync(FamilyId, contact.EventId);
                }
            }
        }
    }

    public Task TakeChildMarkAsync(string markEventId)
    {
        ArgumentException.ThrowIfNullOrEmpty(markEventId);
        return TakeMarksAsync([markEventId]);
    }

    /// <summary>
    /// Takes marks a child committed (<paramref name="markEventIds"/>): folds the family again from its rows, publishes what
    /// is left, lets go of a ward no record names any more, tells the champions whose reached family a marked event had
    /// reached, and then clears the marks' pending notices (<see cref="MarkNotices"/>), all of it again if a step fails:
    /// until the last write the sweep still finds the notice due and asks again. Marks are rare.
    /// </summary>
    private async Task TakeMarksAsync(string[] markEventIds)
    {
        var rows = await LoadAsync();
        var now = time.GetUtcNow();
        await PublishLiveAsync(now, Assess(_state, _children, now));
        await LeaveWardIfNoneAsync();
        TellChampionsOfMarkedReach(rows);
        await journal.AppendAsync(new JournalWrite(null, [], [.. markEventIds.Select(MarkNotices.Taken)], []));
    }

    /// <summary>
    /// A champion counts a family it signposted as reached when one of the family's children registers with or attends the
    /// centre at or after the signposting (see <see cref="ApplyChildEventsAsync"/>), and keeps that in its own storage. When
    /// such an event is marked in error, each champion with a signposting here is told which events were marked and what,
    /// folded without them, still reaches the family (the latest unmarked registration or attendance at or after its
    /// earliest signposting), so its tally is what a fold of the unmarked events gives. Read only after a mark (rare).
    /// </summary>
    private void TellChampionsOfMarkedReach(IReadOnlyList<JournalEvent> rows)
    {
        var events = rows.Select(static r => ContactEventJson.Deserialize(r.Payload.Bytes)).ToList();
        var marked = events.Where(static e => e.Data is EnteredInError).Select(static e => ((EnteredInError)e.Data).EventId).ToHashSet(StringComparer.Ordinal);
        var unmarked = MarksInError.Unmarked(events);
        var unmarkedIds = unmarked.Select(static e => e.EventId).ToHashSet(StringComparer.Ordinal);
        string[] markedReaches = [.. events
            .Where(e => Reaches(e) && marked.Contains(e.EventId) && !unmarkedIds.Contains(e.EventId))
            .Select(static e => e.EventId)];
        if (markedReaches.Length == 0)
        {
            return;
        }

        using (NoticeScope.Begin())
        {
            foreach (var link in _state.Champions)
            {
                if (link.Outreaches.Where(static o => o.Detail is not null).Select(static o => (DateTimeOffset?)o.At).Min() is not { } signposted)
                {
                    continue;
                }

                var stillReachedBy = unmarked
                    .Where(e => Reaches(e) && e.OccurredAt >= signposted)
                    .OrderBy(static e => e.OccurredAt)
                    .ThenBy(static e => e.EventId, StringComparer.Ordinal)
                    .LastOrDefault()?.EventId;
                _ = GrainFactory.For<IChampionGrain>(link.ChampionId).ReachMarkedInErrorAsync(FamilyId, markedReaches, stillReachedBy);
            }
        }

        // What reaches a family for its champions: a child's registration or attendance, as the live path counts it.
        static bool Reaches(ContactEvent e) => e.ChildId is not null && e.Data is CentreRegistered or SessionAttended;
    }

    public Task TickNowAsync() => TickAsync();

    public async Task TickAsync()
    {
        var now = time.GetUtcNow();
        _timeline.AdvanceTo(now);
        await SaveContributionAsync(force: true);
    }

    /// <summary>
    /// A service level is a practitioner's decision: a frontline service (a health visitor recording it at a
    /// contact) or the early intervention team for the family's ward (or inside an open break-glass window).
    /// Champions are not practitioners and the commission never writes.
    /// </summary>
    private async ValueTask<bool> MaySetLevelAsync(Caller? caller, DateTimeOffset now) => caller switch
    {
        { Role: Roles.Frontline, Service: not null } => true,
        { Role: Roles.EarlyIntervention } =>
            (_state.WardCode is { } ward && caller.Wards.Contains(ward, StringComparer.Ordinal)) ||
            await OpenWindowAsync(caller.UserId, now) is not null,
        _ => false,
    };

    public async Task<FamilyRiskRead> ReadRiskStatusAsync(ReadPurpose purpose)
    {
        var (outcome, now) = await OpenForReadAsync(purpose);
        return outcome == AccessOutcome.Granted
            ? new FamilyRiskRead(outcome, View(now).StatusAt(now))
            : new FamilyRiskRead(outcome, null);
    }

    public async Task<FamilyRiskJson> ReadRiskStatusJsonAsync(ReadPurpose purpose)
    {
        var (outcome, now) = await OpenForReadAsync(purpose);
        return outcome == AccessOutcome.Granted
            ? View(now).JsonAt(outcome, now)
            : new FamilyRiskJson(outcome, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>
    /// Decides whether the caller in the request context may open this family, and audits the decision:
    /// denied by default, in scope by ward, otherwise only with a break-glass reason (or inside its window).
    /// Granted returns only after the audit entry is durable, so no identifiable data leaves before it.
    /// </summary>
    private async Task<(AccessOutcome Outcome, DateTimeOffset Now)> OpenForReadAsync(ReadPurpose purpose)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        var caller = CallerContext.Current;
        var now = time.GetUtcNow();
        if (caller is null || caller.Role != Roles.EarlyIntervention)
        {
            if (caller is not null)
            {
                await AuditAsync(caller, now, "risk-status-denied", purpose, breakGlass: false, reason: "role may not read identifiable records");
            }

            return (AccessOutcome.Forbidden, now);
        }

        if (_state.Version == 0)
        {
            return (AccessOutcome.NotFound, now);
        }

        var inScope = _state.WardCode is { } ward && caller.Wards.Contains(ward, StringComparer.Ordinal);
        var breakGlass = false;
        string? reason = null;
        OpenWindow? opens = null;
        if (!inScope)
        {
            // A reason too short or too long is no reason (the gateway refuses both; this is the check behind it).
            var given = purpose.BreakGlassReason?.Trim();
            if (given is { Length: >= BreakGlass.MinimumReasonLength and <= BreakGlass.MaximumReasonLength })
            {
                breakGlass = true;
                reason = given;
                opens = new OpenWindow(now + BreakGlassWindow, given);
            }
            else if (await OpenWindowAsync(caller.UserId, now) is { } open)
            {
                // The written reason again, so an entry read on its own (a filter by time or family) says why the family was open.
                breakGlass = true;
                reason = open.Reason + " (within the break-glass window until " + open.Until.ToString("O", System.Globalization.CultureInfo.InvariantCulture) + ")";
            }
            else
            {
                // An over-long reason is not written to the log; the denial says why it was not taken.
                var denial = given is { Length: > BreakGlass.MaximumReasonLength }
                    ? $"outside the caller's wards; the break-glass reason was over {BreakGlass.MaximumReasonLength} characters"
                    : "outside the caller's wards without a break-glass reason";
                await AuditAsync(caller, now, "risk-status-denied", purpose, breakGlass: false, reason: denial);
                return (AccessOutcome.OutOfScope, now);
            }
        }

        // The audit entry is durable before any identifiable data leaves the grain. An opening is kept only once its entry
        // is: that entry is what opens the window again in a later activation.
        await AuditAsync(caller, now, "risk-status-read", purpose, breakGlass, reason, opens is null ? null : AuditEntry.BreakGlassOpened);
        if (opens is { } window)
        {
            KeepWindow(caller.UserId, window, now);
        }

        await CatchUpAsync();
        return (AccessOutcome.Granted, now);
    }

    /// <summary>A break-glass window: until when it keeps the family open to its user, and the reason that opened it.</summary>
    private readonly record struct OpenWindow(DateTimeOffset Until, string Reason);

    /// <summary>
    /// The user's open break-glass window on this family, if any. A window this activation does not hold may have been
    /// opened by an earlier one, so the first such question an activation asks reads the recent openings back from the
    /// audit log (one indexed read of the openings alone); after that, every opening goes through this activation.
    /// </summary>
    private async ValueTask<OpenWindow?> OpenWindowAsync(string userId, DateTimeOffset now)
    {
        if (!(_breakGlass.TryGetValue(userId, out var held) && held.Until > now))
        {
            var read = _openingsRead ??= ReadOpeningsAsync(now);
            try
            {
                await read;
            }
            catch when (ReferenceEquals(_openingsRead, read))
            {
                // Not read: the next question tries again (the caller hears that the store is unavailable).
                _openingsRead = null;
                throw;
            }
        }

        if (!_breakGlass.TryGetValue(userId, out var open))
        {
            return null;
        }

        if (open.Until > now)
        {
            return open;
        }

        _breakGlass.Remove(userId);
        return null;
    }

    private async Task ReadOpeningsAsync(DateTimeOffset now)
    {
        foreach (var opening in await journal.ReadBreakGlassOpeningsAsync(FamilyId, now - BreakGlassWindow))
        {
            KeepWindow(opening.UserId, new OpenWindow(opening.At + BreakGlassWindow, opening.Reason ?? ""), now);
        }
    }

    /// <summary>Keeps the later of a user's windows, and lets go of every window already over.</summary>
    private void KeepWindow(string userId, OpenWindow window, DateTimeOffset now)
    {
        // A dictionary may lose entries while it is enumerated (it may not gain any).
        foreach (var (user, open) in _breakGlass)
        {
            if (open.Until <= now)
            {
                _breakGlass.Remove(user);
            }
        }

        if (window.Until > now && (!_breakGlass.TryGetValue(userId, out var known) || known.Until < window.Until))
        {
            _breakGlass[userId] = window;
        }
    }

    public Task<WardContribution?> GetContributionAsync()
    {
        var now = time.GetUtcNow();
        _timeline.AdvanceTo(now);
        var entry = Contribution(_state, _children, now);
        return Task.FromResult(entry is null
            ? null
            : new WardContribution(entry.EntryKey, entry.WardCode, ContributionKind.Family, entry.Version, entry.Payload.Bytes));
    }

    public async Task<WardContribution?> RewriteWardEntryAsync()
    {
        // Activation rebuilt the risk timeline from the journal, so the entry carries the instants the family's own
        // changes were made at; written, so a ward that reloads from the journal after this finds them there too.
        var entry = await SaveContributionAsync(force: true);
        return entry is null
            ? null
            : new WardContribution(entry.EntryKey, entry.WardCode, ContributionKind.Family, entry.Version, entry.Payload.Bytes);
    }

    public Task<FamilyWard> GetWardAsync() => Task.FromResult(WardNotice());

    private FamilyWard WardNotice() => _state.Ward is { } ward
        ? new FamilyWard(FamilyId, ward.Value, ward.At, ward.EventId, _state.Version)
        : new FamilyWard(FamilyId, null, DateTimeOffset.MinValue, "", _state.Version);

    public Task<FamilyRiskStatus> GetRiskStatusAsync()
    {
        var now = time.GetUtcNow();
        return Task.FromResult(View(now).StatusAt(now));
    }

    /// <summary>
    /// Children tell their family with one-way messages; should one be lost (a silo failing between the
    /// child's commit and the message), the family would lag. Before serving a read, at most once a
    /// minute, it re-reads its rows from the journal and applies any it missed (applying is idempotent).
    /// </summary>
    private async Task CatchUpAsync()
    {
        var ticks = time.GetTimestamp();
        if (time.GetElapsedTime(_lastCatchUp, ticks) < CatchUpEvery)
        {
            return;
        }

        _lastCatchUp = ticks;
        var before = _state.Version;
        var rows = await journal.ReadAllEventsAsync(EventQuery.ForFamily(FamilyId));
        Absorb(rows, out var refolded);
        if (refolded)
        {
            // A mark it had not been told of: folding again from the events up to the mark left out the events after it
            // that this family had applied, and the history holds the marked event's changes as they were observed. Rows
            // are folded afresh, history and all, as an activation would (marks are rare).
            Rebuild(rows);
            TellChampionsOfMarkedReach(rows);
        }

        if (_state.Version != before)
        {
            logger.LogWarning("Family {FamilyId} caught up {Count} events it had not been told about", FamilyId, _state.Version - before);
            await SaveContributionAsync();
            await LeaveWardIfNoneAsync();
        }
    }

    /// <inheritdoc cref="Absorb(IEnumerable{JournalEvent}, out bool)"/>
    private DateTimeOffset Absorb(IEnumerable<JournalEvent> rows) => Absorb(rows, out _);

    /// <summary>Applies journal rows in arrival order, following the risk through each one not yet applied.</summary>
    /// <param name="refolded">
    /// True when a mark met after its event made it fold the family again (<see cref="Refold"/>), which a fresh timeline
    /// must follow too.
    /// </param>
    /// <returns>The latest receipt among <paramref name="rows"/>.</returns>
    private DateTimeOffset Absorb(IEnumerable<JournalEvent> rows, out bool refolded)
    {
        var latest = DateTimeOffset.MinValue;
        // Kept only while a load meets a mark after its event, which folds the family again from the events up to it.
        List<ContactEvent>? events = null;
        var seen = 0;
        foreach (var row in rows)
        {
            var contact = ContactEventJson.Deserialize(row.Payload.Bytes);
            latest = contact.ReceivedAt > latest ? contact.ReceivedAt : latest;
            var version = _state.Version;
            _timeline.AdvanceTo(contact.ReceivedAt);
            ApplyLocally(contact);
            seen++;
            if (events is not null)
            {
                events.Add(contact);
            }

            if (NeedsRebuild(contact))
            {
                events ??= [.. rows.Take(seen).Select(r => ContactEventJson.Deserialize(r.Payload.Bytes))];
                Refold(events);
            }

            if (_state.Version != version)
            {
                _timeline.Observe(contact.ReceivedAt, contact.EventId);
            }
        }

        refolded = events is not null;
        return latest;
    }

    /// <summary>Whether applying <paramref name="contact"/> left the family or its child unable to drop an event a mark took back.</summary>
    private bool NeedsRebuild(ContactEvent contact) =>
        contact.Data is EnteredInError
        && (_state.NeedsRebuild || (contact.ChildId is { } childId && _children.TryGetValue(childId, out var child) && child.NeedsRebuild));

    /// <summary>
    /// Folds the family and its children again from <paramref name="events"/>, all of them this family's. A child whose
    /// every event here was marked in error (a birth recorded on the wrong family) is no longer one of its children.
    /// </summary>
    private void Refold(List<ContactEvent> events)
    {
        var ward = _state.WardCode;
        _state = FamilyState.Fold(FamilyId, events);
        _wardLeftByMark = _state.WardCode is null ? ward ?? _wardLeftByMark : null;
        _children.Clear();
        foreach (var childId in _state.ChildIds)
        {
            _children[childId] = ChildState.Fold(childId, events);
        }

        _assessed.Clear();
    }

    private void ApplyLocally(ContactEvent contact)
    {
        _state = _state.Apply(contact);
        if (contact.ChildId is { } childId)
        {
            _children[childId] = (_children.TryGetValue(childId, out var child) ? child : new ChildState(childId)).Apply(contact);
        }
    }

    private RiskAssessment Assess(FamilyState family, IReadOnlyDictionary<string, ChildState> children, DateTimeOffset at) =>
        engine.AssessFamily(
            RiskFacts.ForFamily(family, at, schedule.Calendar),
            children.Values.Select(c => (c.ChildId, ChildAt(c, at).Assessment)));

    /// <summary>
    /// A child's assessment changes only when its state does or when time crosses its next change, so the
    /// family keeps each child's last assessment and reuses it until then: one child's event does not
    /// make the family reassess all its children.
    /// </summary>
    private ChildAssessment ChildAt(ChildState child, DateTimeOffset at)
    {
        if (_assessed.TryGetValue(child.ChildId, out var known) &&
            known.Version == child.Version && at >= known.From && (known.Until is null || at < known.Until))
        {
            return known;
        }

        var fresh = new ChildAssessment(
            child.Version,
            at,
            RiskFacts.NextChange(child, at, schedule),
            engine.AssessChild(RiskFacts.ForChild(child, at, schedule)),
            schedule.Evaluate(child, at).Count(r => r.Status == ReviewState.Overdue));
        _assessed[child.ChildId] = fresh;
        return fresh;
    }

    private sealed record ChildAssessment(int Version, DateTimeOffset From, DateTimeOffset? Until, RiskAssessment Assessment, int OverdueReviews);

    /// <summary>
    /// Takes the child's own assessment when this family's copy of the child is at the version it was made
    /// for; otherwise (a notice missed or arriving out of order) the family assesses the child itself.
    /// </summary>
    private void Adopt(string? childId, ChildAssessed? assessed)
    {
        if (childId is not null && assessed is not null &&
            _children.TryGetValue(childId, out var child) && child.Version == assessed.Version &&
            assessed.Assessment.RulesVersion == engine.Rules.Version)
        {
            _assessed[childId] = new ChildAssessment(assessed.Version, assessed.At, assessed.Until, assessed.Assessment, assessed.OverdueReviews);
        }
    }

    RiskAssessment IRiskSubject.Assess(DateTimeOffset at) => Assess(_state, _children, at);

    DateTimeOffset? IRiskSubject.NextChange(DateTimeOffset at) => NextChangeOf(_state, _children, at);

    TimeChanges IRiskSubject.ChangesAt(DateTimeOffset at)
    {
        var changes = RiskFacts.ChangesAt(_state, at, schedule.Calendar);
        foreach (var child in _children.Values)
        {
            changes |= RiskFacts.ChangesAt(child, at, schedule);
        }

        return changes;
    }

    /// <summary>
    /// The risk status as of <paramref name="now"/>, reused while nothing it depends on has changed: this
    /// family's state and its children's (each replaced, never mutated, by an event), the number of changes
    /// its risk timeline has recorded, and time staying before the next instant at which time alone changes a fact or a
    /// review's status (the same boundaries the timeline and the child cache follow). A busy family is read
    /// far more often than it changes, and building the status assesses every child and evaluates every review.
    /// </summary>
    private RiskStatusView View(DateTimeOffset now)
    {
        _timeline.AdvanceTo(now);
        // A count, not the last change itself: the timeline builds its history records afresh on every read.
        var changes = _timeline.ChangesRecorded;
        if (_view is { } known && known.StillHolds(_state, _children, changes, now))
        {
            return known;
        }

        var status = Status(now);
        return _view = new RiskStatusView(_state, [.. _children.Values], changes, now, NextChangeOf(_state, _children, now), status);
    }

    /// <summary>One built status and what it was built from; the JSON body is written on first use.</summary>
    private sealed class RiskStatusView(
        FamilyState family,
        ChildState[] children,
        long changesRecorded,
        DateTimeOffset from,
        DateTimeOffset? until,
        FamilyRiskStatus status)
    {
        private byte[]? _head;

        public bool StillHolds(FamilyState currentFamily, Dictionary<string, ChildState> currentChildren, long currentChangesRecorded, DateTimeOffset now)
        {
            if (!ReferenceEquals(family, currentFamily) || changesRecorded != currentChangesRecorded ||
                now < from || (until is { } end && now >= end) || children.Length != currentChildren.Count)
            {
                return false;
            }

            foreach (var child in children)
            {
                if (!currentChildren.TryGetValue(child.ChildId, out var current) || !ReferenceEquals(current, child))
                {
                    return false;
                }
            }

            return true;
        }

        public FamilyRiskStatus StatusAt(DateTimeOffset now) => now == status.AsOf ? status : status with { AsOf = now };

        public FamilyRiskJson JsonAt(AccessOutcome outcome, DateTimeOffset now) =>
            new(outcome, _head ??= RiskStatusJson.Head(status), RiskStatusJson.Tail(now, status.Synthetic));
    }

    private FamilyRiskStatus Status(DateTimeOffset now)
    {
        _timeline.AdvanceTo(now);
        var assessment = Assess(_state, _children, now);
        var children = new List<ChildRiskView>();
        var overdue = new List<OverdueReviewView>();
        foreach (var child in _children.Values.OrderBy(c => c.ChildId, StringComparer.Ordinal))
        {
            var reviews = schedule.Evaluate(child, now);
            children.Add(RiskViews.Child(child, engine.AssessChild(RiskFacts.ForChild(child, now, schedule)), reviews, history: null));
            overdue.AddRange(reviews
                .Where(r => r.Status == ReviewState.Overdue)
                .Select(r => new OverdueReviewView(child.ChildId, r.Review.ToWireName(), r.DueBy)));
        }

        var setLevel = _state.SetLevel is { } decided
            ? new Interfaces.LevelDecision(decided.Value.Level.ToWireName(), decided.Value.Reason, decided.Value.RecordedBy, decided.At, decided.EventId, decided.Value.Practitioner, decided.Value.PractitionerName)
            : null;
        return new FamilyRiskStatus(
            FamilyId,
            _state.WardCode,
            assessment.Score,
            assessment.SuggestedLevel.ToWireName(),
            setLevel,
            RiskViews.Factors(assessment),
            children,
            overdue,
            _state.OpenConcerns.Select(c => new ConcernView(c.Concern.ToWireName(), c.RaisedOn, c.EventIds.Count > 0 ? c.EventIds[0] : "")).ToArray(),
            _timeline.History.Reverse().ToArray(),
            _state.RecentHistory.Reverse().Take(20).Select(h => new Interfaces.HistoryEntry(h.At, h.Type, h.EventId, h.RecordedBy, h.Practitioner, h.PractitionerName)).ToArray(),
            assessment.RulesVersion,
            _state.Version,
            now,
            RiskViews.IsSynthetic(FamilyId),
            MarkedInError());
    }

    /// <summary>The marks the family and its children hold, by marked event (each child's own marks are the child's events here too).</summary>
    private MarkedInErrorView[] MarkedInError()
    {
        var marks = _state.MarkedInError;
        return marks.IsEmpty
            ? []
            : [.. marks.Select(m => new MarkedInErrorView(m.MarkedEventId, m.MarkEventId, m.RecordedBy, m.At, m.Reason, m.ChildId))];
    }

    /// <param name="pendingAt">
    /// Where a change the timeline has not recorded yet belongs: the receipt of the event this entry is written with
    /// (<see cref="RecordAsync"/> writes it before observing the event); by default <paramref name="now"/>.
    /// </param>
    private WardEntry? Contribution(FamilyState family, IReadOnlyDictionary<string, ChildState> children, DateTimeOffset now, DateTimeOffset? pendingAt = null) =>
        family.WardCode is null ? null : Contribution(family, children, now, Assess(family, children, now), pendingAt ?? now);

    private WardEntry? Contribution(FamilyState family, IReadOnlyDictionary<string, ChildState> children, DateTimeOffset now, RiskAssessment assessment, DateTimeOffset pendingAt)
    {
        if (family.WardCode is not { } ward)
        {
            return null;
        }

        // Built on every event of any of the family's children, so in loops, and most families have no champion or survey.
        var overdue = 0;
        var seenByCentre = false;
        foreach (var child in children.Values)
        {
            overdue += ChildAt(child, now).OverdueReviews;
            seenByCentre |= child.LastSeenByCentreAt is not null;
        }

        var marks = MarksFor(assessment, pendingAt);
        var value = new FamilyContribution(
            family.FamilyId,
            ward,
            assessment.Score,
            assessment.SuggestedLevel.ToWireName(),
            family.SetLevel?.Value.Level.ToWireName(),
            overdue,
            OpenConcernNames(family),
            TopFactors(assessment),
            family.ChildIds.ToArray(),
            family.Champions.IsEmpty ? [] : family.Champions.Select(c => c.ChampionId).ToArray(),
            family.Champions.IsEmpty ? 0 : family.Champions.Sum(c => c.Outreaches.Count),
            family.Champions.IsEmpty ? [] : family.Champions.SelectMany(c => c.SignpostedTo).Distinct(StringComparer.Ordinal).ToArray(),
            seenByCentre && family.Champions.Any(l => l.Outreaches.Any(o => o.Detail is not null)),
            family.Surveys.IsEmpty ? [] : family.Surveys.SelectMany(s => s.Satisfaction.Select(x => new SurveyScore(x.Service, x.Score))).ToArray(),
            // Recent history is kept in time order.
            family.RecentHistory.IsEmpty ? DateTimeOffset.UnixEpoch : family.RecentHistory[^1].At,
            RiskViews.IsSynthetic(family.FamilyId),
            family.Surveys.Count,
            marks.RiskChangedAt,
            marks.LevelChangedAt,
            marks.LevelChangedFrom,
            assessment.RulesVersion,
            _rulesChangeEntries);
        var json = ContributionJson.Serialize(value);
        return new WardEntry("family:" + family.FamilyId, ward, "family", family.Version, json);
    }

    /// <summary>
    /// When the family's risk and suggested level last changed, for its ward entry: the instants its own risk timeline
    /// recorded (an event's receipt, or when time alone changed the risk), so they are the same after a rebuild from the
    /// journal. An assessment the timeline does not stand at yet is an event's about to be written: it changes at
    /// <paramref name="pendingAt"/>, where the timeline will record it once the event is durable.
    /// </summary>
    private RiskMarks MarksFor(RiskAssessment assessment, DateTimeOffset pendingAt)
    {
        if (_marksRecorded != _timeline.ChangesRecorded)
        {
            var level = _timeline.LastLevelChange;
            _marks = new RiskMarks(_timeline.LastChangeAt, level?.At, level?.From.ToWireName());
            _marksRecorded = _timeline.ChangesRecorded;
        }

        if (_timeline.StandsAt(assessment))
        {
            return _marks;
        }

        return assessment.SuggestedLevel == _timeline.SuggestedLevel
            ? _marks with { RiskChangedAt = pendingAt }
            : new RiskMarks(pendingAt, pendingAt, _timeline.SuggestedLevel.ToWireName());
    }

    private readonly record struct RiskMarks(DateTimeOffset? RiskChangedAt, DateTimeOffset? LevelChangedAt, string? LevelChangedFrom);

    private static string[] OpenConcernNames(FamilyState family)
    {
        var count = 0;
        foreach (var concern in family.Concerns)
        {
            count += concern.IsOpen ? 1 : 0;
        }

        if (count == 0)
        {
            return [];
        }

        var names = new string[count];
        count = 0;
        foreach (var concern in family.Concerns)
        {
            if (concern.IsOpen)
            {
                names[count++] = concern.Concern.ToWireName();
            }
        }

        return names;
    }

    /// <summary>The ids of the (at most) three heaviest factors that raise the score, heaviest first; ties keep the assessment's order.</summary>
    private static string[] TopFactors(RiskAssessment assessment)
    {
        FactorContribution? first = null, second = null, third = null;
        foreach (var factor in assessment.Factors)
        {
            if (factor.Weight <= 0)
            {
                continue;
            }

            if (first is null || factor.Weight > first.Weight)
            {
                (first, second, third) = (factor, first, second);
            }
            else if (second is null || factor.Weight > second.Weight)
            {
                (second, third) = (factor, second);
            }
            else if (third is null || factor.Weight > third.Weight)
            {
                third = factor;
            }
        }

        return first is null ? [] : second is null ? [first.Id] : third is null ? [first.Id, second.Id] : [first.Id, second.Id, third.Id];
    }

    /// <summary>
    /// A child's event is already durable; what changes here is derived (the family's risk and its ward
    /// entry). The ward hears at once through the feed. The journal copy of the entry only serves a ward
    /// reloading after a restart, so it is written at most every few seconds (on the next change after
    /// that), at once when the family moves ward, and when the family deactivates; after a crash, a stale copy
    /// stays until the family next saves (see <see cref="SaveEvery"/>). No timers: a busy silo holds many families.
    /// </summary>
    private async Task PublishLiveAsync(DateTimeOffset at, RiskAssessment assessment)
    {
        var entry = Contribution(_state, _children, at, assessment, at);

        // A move is saved at once: until the journal's entry names the new ward, the ward the family left would take it
        // back on reloading.
        var moved = entry is not null && _publishedWard is not null && !string.Equals(entry.WardCode, _publishedWard, StringComparison.Ordinal);
        var left = _publishedWard;
        if (!Publish(entry))
        {
            return;
        }

        if (moved)
        {
            // Kept until a save succeeds: the journal writes the departure with the entry that moves.
            _leftWard = left;
        }

        _unsaved = true;
        if (moved || Environment.TickCount64 - _savedAt >= SaveEvery.TotalMilliseconds)
        {
            await SaveContributionAsync();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_unsaved)
        {
            await SaveContributionAsync(force: true);
        }
    }

    /// <returns>The entry as of now (null when the family is in no ward), whether or not it needed writing.</returns>
    private async Task<WardEntry?> SaveContributionAsync(bool force = false)
    {
        var now = time.GetUtcNow();

        // Time walked to now first, so a change time made since the last event is recorded at its own instant.
        _timeline.AdvanceTo(now);
        var entry = Contribution(_state, _children, now);
        var changed = entry is not null && (_published?.Holds(entry.Payload.Bytes) != true || _unsaved);
        if (!changed && !force)
        {
            return entry;
        }

        _savedAt = Environment.TickCount64;
        await journal.AppendAsync(new JournalWrite(
            null,
            entry is null ? [] : [entry],
            [new Deadline(EntityKey, NextChangeOf(_state, _children, now))],
            [],
            WardDeparture.From(_leftWard, entry)));

        // Only once it is durable: an entry whose save failed is still saved on deactivation.
        _unsaved = false;
        _leftWard = null;
        Publish(entry);
        return entry;
    }

    private DateTimeOffset? NextChangeOf(FamilyState family, IReadOnlyDictionary<string, ChildState> children, DateTimeOffset at)
    {
        var soonest = RiskFacts.NextChange(family, at, schedule.Calendar);
        foreach (var child in children.Values)
        {
            if (ChildAt(child, at).Until is { } next && (soonest is null || next < soonest))
            {
                soonest = next;
            }
        }

        return soonest;
    }

    /// <summary>
    /// Hands the contribution to the ward feed unless it is the one last handed over; true when it was handed over. A
    /// family that moved is reported to the ward it left as well, which lets go of it at once.
    /// </summary>
    private bool Publish(WardEntry? entry)
    {
        if (entry is null || _published?.Holds(entry.Payload.Bytes) == true)
        {
            return false;
        }

        var contribution = new WardContribution(entry.EntryKey, entry.WardCode, ContributionKind.Family, entry.Version, entry.Payload.Bytes);
        if (_published is null)
        {
            _published = new HeldContribution(contribution);
        }
        else
        {
            _published.Replace(contribution);
        }

        feed.Publish(contribution, _publishedWard);
        var moved = !string.Equals(entry.WardCode, _publishedWard, StringComparison.Ordinal);
        _publishedWard = entry.WardCode;
        if (moved)
        {
            TellChildrenTheWard();
        }

        return true;
    }

    /// <summary>
    /// Children live where their family lives: each is told the family's new ward and moves its own contribution (reach,
    /// unreached infants, indicators) at once. One-way, with no request context (a fact, not a request made for the caller).
    /// A notice lost in a silo failure is made up when the child next activates, as it then asks the family.
    /// </summary>
    private void TellChildrenTheWard()
    {
        if (_state.ChildIds.IsEmpty)
        {
            return;
        }

        var notice = WardNotice();
        using (NoticeScope.Begin())
        {
            foreach (var childId in _state.ChildIds)
            {
                _ = GrainFactory.For<IChildGrain>(childId).FamilyWardChangedAsync(notice);
            }
        }
    }

    private Task AuditAsync(Caller caller, DateTimeOffset now, string action, ReadPurpose purpose, bool breakGlass, string? reason, string? detail = null) =>
        journal.AppendAsync(new JournalWrite(null, [], [],
            [new AuditEntry(now, caller.UserId, caller.Role, action, FamilyId, null, purpose.Purpose, breakGlass, reason, detail)]));
}
