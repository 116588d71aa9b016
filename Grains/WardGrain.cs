using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using QpActors.Domain.Events;
using QpActors.Domain.Risk;
using QpActors.Figures.Publishing;
using QpActors.Figures.Reach;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>
/// A ward's live aggregate. It holds the current contribution of every child, family and champion in the ward,
/// replaced by a higher version, or at the same version by a different payload (see <see cref="Hold"/>); never by a
/// lower one. The contributions are also durable in the journal (written in the same commit as the entity's event),
/// so on activation the ward reloads them and nothing is lost.
/// </summary>
/// <remarks>
/// Contributions are parsed once when they arrive, not per request; a figures document is cached until the next
/// change (or the next domain day). Once a month, by the domain clock, the ward keeps a durable snapshot of its figures.
/// </remarks>
public sealed class WardGrain(
    IEventJournal journal,
    WardFiguresBuilder figures,
    GrainClock time,
    WardDatingGate datingGate,
    [PersistentState("snapshots", QpStorage.Name)] IPersistentState<WardHistoryState> history,
    RiskEngine engine,
    ILogger<WardGrain> logger)
    : Grain, IWardGrain
{
    /// <summary>How often (real time) the ward checks whether a month has ended on the domain clock.</summary>
    public static readonly TimeSpan SnapshotCheckEvery = TimeSpan.FromMinutes(10);

    /// <summary>
    /// At most how many families whose entries do not say when their risk changed one <c>changedSince</c> list asks for a
    /// fresh entry (<see cref="DateFamiliesAsync"/>). Each one asked is activated and reads its events: a ward of thousands
    /// just upgraded is dated over a few lists rather than all at once on the first, and the families not asked yet are
    /// listed meanwhile, their instants unknown, never left out.
    /// </summary>
    public const int MaxFamiliesDatedPerList = 256;

    /// <summary>How many of those families are asked at once; also how many one background tick asks.</summary>
    public const int FamiliesDatedInFlight = 16;

    /// <summary>
    /// How long after activating with older family entries the ward first dates some in the background: a silo starting
    /// activates its wards as their first reports and reads arrive, and its families' own catching up comes first.
    /// </summary>
    public static readonly TimeSpan DatingStartsAfter = TimeSpan.FromMinutes(1);

    /// <summary>How often, after that, the ward dates the next <see cref="FamiliesDatedInFlight"/> in the background.</summary>
    public static readonly TimeSpan DatingEvery = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, HeldContribution> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChildContribution> _children = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FamilyContribution> _families = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChampionContribution> _champions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unparsed = new(StringComparer.Ordinal);

    // Families whose held entry was written before entries carried when the risk changed (no FamilyContribution.ChangeTimesKnown
    // in its JSON): their null instants say nothing, so a changedSince list asks them for a fresh entry first. Empty once every
    // family has written an entry under this version, and then it costs a list one count. A family whose entry was assessed
    // under other rules than this silo's (an upgrade of the rules file) is held here too: its score and level are the old
    // rules', so it is asked for a fresh entry the same way and listed as possibly changed until it answers.
    private readonly HashSet<string> _undated = new(StringComparer.Ordinal);

    // Children whose held entry was assessed under other rules than this silo's: their score and suggested level (children
    // by suggested level, the savings' need weights) are the old rules'. The background pass asks them for a fresh entry;
    // lists do not wait for them, as no list filters children.
    private readonly HashSet<string> _childrenOfOtherRules = new(StringComparer.Ordinal);

    // The bytes a family entry assessed under this silo's rules holds (FamilyContribution.AssessedUnder).
    private byte[] RulesVersionProperty => field ??= FamilyContribution.RulesVersionProperty(engine.Rules.Version);

    // The undated families being asked right now, by a list or by the background tick (which interleave): each is asked once.
    private readonly HashSet<string> _dating = new(StringComparer.Ordinal);

    // Set off on activation when the ward loaded older family entries; stopped once none is left (DateUndatedFamiliesAsync).
    private ITimer? _datingTimer;
    private bool _datingTick;

    // Entities that moved to another ward, with the version that said so: an older report of them, still naming this
    // ward, arrives late and must not bring them back. The journal moves an entity's entry with the event that moves
    // it and keeps a departure row beside it, so a reloaded ward starts from those and refuses the same reports.
    private readonly Dictionary<string, long> _departed = new(StringComparer.Ordinal);
    private long _changes;
    private (long Changes, FiguresQuery Query, DateOnly Today, string Document)? _cached;
    private IGrainTimer? _snapshotTimer;

    // The months storage holds, oldest first, as the history serves them. Not read from the state itself: a new month
    // is in the state while its write is in flight, and the history interleaves with that write.
    private IReadOnlyList<FiguresSnapshot> _kept = [];

    // Read once: GetPrimaryKeyString decodes the grain id into a new string on every call, and every contribution
    // that arrives is checked against it.
    private string WardCode => field ??= this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _kept = Kept();

        // Departures first: an entity that came back since holds an entry of a newer version, which then clears it.
        foreach (var departure in await journal.ReadWardDeparturesAsync(WardCode, cancellationToken))
        {
            _departed[departure.EntryKey] = departure.Version;
        }

        foreach (var entry in await journal.ReadWardEntriesAsync(WardCode, cancellationToken))
        {
            Hold(ToContribution(entry));
        }

        _snapshotTimer = this.RegisterGrainTimer(
            async _ => await TakeSnapshotIfDueAsync(),
            new GrainTimerCreationOptions(TimeSpan.FromMinutes(1), SnapshotCheckEvery) { Interleave = false });

        // Entries written before entries carried the change instants are dated in the background too, a few at a time, so
        // the first changedSince list after an upgrade does not find the ward still mostly undated. Told by how the
        // entry's bytes end, without parsing it (parsing waits for the first read, as for every entry).
        if (_entries.Values.Any(e => (e.Kind == ContributionKind.Family && IsStale(e.Payload))
            || (e.Kind == ContributionKind.Child && !FamilyContribution.AssessedUnder(e.Payload, RulesVersionProperty))))
        {
            var self = this.AsReference<IWardGrain>();
            _datingTimer = time.CreateTimer(_ => AskToDate(self), null, DatingStartsAfter, DatingEvery);
        }

        logger.LogDebug("Ward {Ward} activated with {Count} entries", WardCode, _entries.Count);
    }

    /// <summary>The dating timer's tick: off the grain's scheduler, so it only sends the ward its one-way message.</summary>
    private static void AskToDate(IWardGrain self)
    {
        using (NoticeScope.Begin())
        {
            self.DateUndatedFamiliesAsync().Ignore();
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _snapshotTimer?.Dispose();
        _datingTimer?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>
    /// The background tick: asks the next <see cref="FamiliesDatedInFlight"/> undated families for a fresh entry, in the
    /// silo's turn (<see cref="WardDatingGate"/>), and stops the timer once none is left. It interleaves with reads, which
    /// never wait for it; a tick that finds the last one still asking does nothing.
    /// </summary>
    public async Task DateUndatedFamiliesAsync()
    {
        ParsePending();
        if (_undated.Count == 0 && _childrenOfOtherRules.Count == 0)
        {
            StopDating();
            return;
        }

        if (_datingTick)
        {
            return;
        }

        _datingTick = true;
        try
        {
            using (await datingGate.TakeTurnAsync())
            {
                if (_undated.Count > 0)
                {
                    await DateFamiliesAsync(FamiliesDatedInFlight, inBackground: true);
                    ParsePending();
                }

                // Families first, as lists wait for them; the children in the same turn once none is left.
                if (_undated.Count == 0 && _childrenOfOtherRules.Count > 0)
                {
                    await AskChildrenOfOtherRulesAsync();
                }
            }
        }
        finally
        {
            _datingTick = false;
        }

        ParsePending();
        if (_undated.Count == 0 && _childrenOfOtherRules.Count == 0)
        {
            StopDating();
        }
    }

    /// <summary>
    /// Asks the next <see cref="FamiliesDatedInFlight"/> children whose entries were assessed under other rules for a fresh
    /// one (<see cref="IChildGrain.RewriteWardEntryAsync"/>), after the families (whose entries lists wait for). A child that
    /// cannot answer now is asked again on a later tick.
    /// </summary>
    private async Task AskChildrenOfOtherRulesAsync()
    {
        var keys = _childrenOfOtherRules.Take(FamiliesDatedInFlight).ToArray();
        var calls = new Task<WardContribution?>[keys.Length];

        // A child's entry is the child's fact, not a reader's request: the calls carry no caller.
        using (NoticeScope.Begin())
        {
            for (var i = 0; i < keys.Length; i++)
            {
                calls[i] = GrainFactory.For<IChildGrain>(keys[i]["child:".Length..]).RewriteWardEntryAsync();
            }
        }

        for (var i = 0; i < keys.Length; i++)
        {
            try
            {
                if (await calls[i] is { } entry)
                {
                    Hold(entry);
                }

                // In no ward any more (or here, under these rules): not asked again; a report or a reconciliation settles it.
                _childrenOfOtherRules.Remove(keys[i]);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                logger.LogWarning(error, "Ward {Ward} could not ask {Entry} for an entry under its rules; it asks again", WardCode, keys[i]);
            }
        }
    }

    private void StopDating()
    {
        if (_datingTimer is not null)
        {
            _datingTimer.Dispose();
            _datingTimer = null;
            logger.LogInformation("Ward {Ward} has dated every family entry that predated the change instants", WardCode);
        }
    }

    public Task ApplyAsync(IReadOnlyList<WardContribution> contributions)
    {
        ArgumentNullException.ThrowIfNull(contributions);
        foreach (var contribution in contributions)
        {
            Hold(contribution);
        }

        return Task.CompletedTask;
    }

    public async Task<WardFigures> GetFiguresAsync(FiguresQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ParsePending();

        // Overrides are checked here, ward in an area or not; the wards' own documents hold no money, so they are asked
        // without them and their cached documents serve a what-if as they serve the plain query.
        figures.Validate(query);
        var counts = query with { Overrides = null };
        var own = await GetOwnFiguresAsync(counts);
        if (figures.AreaOfWard(WardCode) is not { } area)
        {
            return own with { NeighbourDocuments = [] };
        }

        var neighbours = await Task.WhenAll(area.Wards.Where(w => w.Id != WardCode)
            .Select(w => GrainFactory.For<IWardGrain>(w.Id).GetOwnFiguresAsync(counts)));
        var (document, others) = WithSavings(area, own.Document, neighbours.Select(d => d.Document).ToList(), query.Scenario, query.Overrides);
        return own with { Document = document, NeighbourDocuments = others };
    }

    /// <summary>The ward's and its neighbours' documents with each ward's share of the area's projected savings.</summary>
    private (string Own, IReadOnlyList<string> Neighbours) WithSavings(AreaServices area, string own, IReadOnlyList<string> neighbours, string scenario, string? overrides = null)
    {
        var documents = neighbours.Prepend(own).Select(d => JsonNode.Parse(d)!.AsObject()).ToList();
        figures.ShareSavings(area, documents, scenario, overrides);
        var serialized = documents.Select(d => d.ToJsonString(FiguresLayout.JsonOptions)).ToList();
        return (serialized[0], serialized.Skip(1).ToArray());
    }

    public Task<WardFigures> GetOwnFiguresAsync(FiguresQuery query)
    {
        ParsePending();
        ArgumentNullException.ThrowIfNull(query);
        figures.Validate(query);
        if (figures.Ward(WardCode) is null && _entries.Count == 0)
        {
            throw new FiguresNotFoundException($"No ward '{WardCode}': it is not configured and has no records.") { Key = WardCode };
        }

        var now = time.GetUtcNow();
        var today = figures.Calendar.DayOf(now);
        if (_cached is not { } cached || cached.Changes != _changes || cached.Query != query || cached.Today != today)
        {
            var document = figures.BuildWard(WardCode, _children.Values, _families.Values, _champions.Values, query, now)
                .ToJsonString(FiguresLayout.JsonOptions);
            cached = (_changes, query, today, document);
            _cached = cached;
        }

        return Task.FromResult(new WardFigures(WardCode, now, query.Period, cached.Document));
    }

    public Task<IReadOnlyList<FiguresSnapshot>> GetHistoryAsync()
    {
        ParsePending();
        return Task.FromResult(_kept);
    }

    private FiguresSnapshot[] Kept() => history.State.Months
        .OrderBy(m => m.Month, StringComparer.Ordinal)
        .Select(m => new FiguresSnapshot(m.Month, m.TakenAt, m.Document))
        .ToArray();

    public async Task<IReadOnlyList<WardHistoryMonth>> GetPublishableHistoryAsync()
    {
        var own = await GetHistoryAsync();
        if (figures.AreaOfWard(WardCode) is not { } area)
        {
            return own.Select(month => new WardHistoryMonth(month.Month, figures.MonthEnded(month.Month), month.Document, [])).ToArray();
        }

        var theirs = await Task.WhenAll(area.Wards.Where(w => w.Id != WardCode).Select(w => GrainFactory.For<IWardGrain>(w.Id).GetHistoryAsync()));
        return own
            .Select(month =>
            {
                var (document, neighbours) = WithSavings(
                    area,
                    month.Document,
                    theirs.SelectMany(h => h.Where(m => m.Month == month.Month).Select(m => m.Document)).ToList(),
                    AreaGrain.HistoryScenario);
                return new WardHistoryMonth(month.Month, figures.MonthEnded(month.Month), document, neighbours);
            })
            .ToArray();
    }

    public async Task<FiguresSnapshot?> TakeSnapshotIfDueAsync()
    {
        if (figures.Ward(WardCode) is null && _entries.Count == 0)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var today = figures.Calendar.DayOf(now);
        var monthEnd = new DateOnly(today.Year, today.Month, 1).AddDays(-1);
        var month = monthEnd.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        if (history.State.Months.Any(m => string.CompareOrdinal(m.Month, month) >= 0))
        {
            return null;
        }

        // Parsed only once a snapshot is due. The timer asks every ten minutes, and a ward nobody has
        // read meanwhile holds every contribution that changed since as unparsed JSON: parsing them all
        // on each check made a burst of garbage (tens of MB in a busy ward) for no figure.
        ParsePending();
        var query = new FiguresQuery(WardFiguresBuilder.Month, monthEnd, "default");
        var document = figures.BuildWard(WardCode, _children.Values, _families.Values, _champions.Values, query, now);
        var snapshot = new WardSnapshot { Month = month, TakenAt = now, Document = document.ToJsonString(FiguresLayout.JsonOptions) };
        history.State.Months.Add(snapshot);
        try
        {
            // A month whose write fails is not kept, so the next check takes it again.
            await history.WriteOrUndoAsync(() => history.State.Months.Remove(snapshot));
        }
        finally
        {
            _kept = Kept();
        }

        logger.LogInformation("Ward {Ward} kept its figures for {Month}", WardCode, month);
        return new FiguresSnapshot(snapshot.Month, snapshot.TakenAt, snapshot.Document);
    }

    public async Task<WorklistPage> GetWorklistAsync(WorklistQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var caller = MayList(Roles.EarlyIntervention);
        ParsePending();
        if (query.ChangedSince is not null && _undated.Count > 0)
        {
            await DateFamiliesAsync(MaxFamiliesDatedPerList, inBackground: false);
            ParsePending();
        }

        var families = Families()
            .Where(f => query.Level is null || f.SuggestedLevel == query.Level || f.SetLevel == query.Level)
            .Where(f => query.OverdueReview is not { } overdue || (f.OverdueReviews > 0) == overdue)
            .Where(f => query.Concern is null || f.OpenConcerns.Contains(query.Concern, StringComparer.Ordinal))
            .Where(f => query.AwaitingDecision is not { } awaiting || AwaitsDecision(f) == awaiting)

            // A family whose entry does not say when its risk changed (written before entries did, and not dated yet: see
            // DateFamiliesAsync) may have changed since: it is listed, its instants null, rather than silently left out.
            .Where(f => query.ChangedSince is not { } since || f.RiskChangedAt >= since || IsUndated(f))
            .OrderByDescending(f => LevelDecisions.Rank(WireName.Parse<ServiceLevel>(f.SetLevel ?? f.SuggestedLevel)))
            .ThenByDescending(f => f.Score)
            .ThenByDescending(f => f.OverdueReviews)
            .ThenBy(f => f.FamilyId, StringComparer.Ordinal)
            .ToList();
        // People page through at most 200 families at a time; the system's stream poller follows the whole ward in
        // one read, which costs one sort and one grain call a poll instead of one each per page, and cannot be torn.
        var pageSize = Math.Clamp(query.PageSize, 1, caller.Role == Roles.System ? WorklistQuery.MaxSystemPageSize : WorklistQuery.MaxPageSize);
        var page = Math.Max(query.Page, 1);
        var items = families
            .Skip((page - 1) * pageSize)
            .Take(pageSize)
            .Select(f => new WorklistItem(
                f.FamilyId, f.Score, f.SuggestedLevel, f.SetLevel, f.OverdueReviews, f.OpenConcerns, f.TopFactors, f.UpdatedAt, f.Synthetic,
                AwaitsDecision(f), f.RiskChangedAt, f.LevelChangedAt, f.LevelChangedFrom))
            .ToArray();
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"ward {WardCode}, page {page} of size {pageSize}, level {query.Level ?? "any"}, overdue review {query.OverdueReview?.ToString() ?? "any"}, concern {query.Concern ?? "any"}, awaiting decision {query.AwaitingDecision?.ToString() ?? "any"}, changed since {query.ChangedSince?.ToString("O", CultureInfo.InvariantCulture) ?? "any"}");
        await AuditShownAsync(caller, "worklist-read", "worklist", items.Select(i => new ShownRecord(i.FamilyId, null)).ToArray(), detail);
        return new WorklistPage(WardCode, items, page, pageSize, families.Count);
    }

    /// <summary>
    /// Asks up to <see cref="MaxFamiliesDatedPerList"/> families whose entries were written before entries carried when
    /// the risk changed for a fresh entry (<see cref="IFamilyGrain.RewriteWardEntryAsync"/>), at most
    /// <see cref="FamiliesDatedInFlight"/> at a time. A family rebuilds its risk timeline from its events when it activates,
    /// so the entry it writes carries the instants of its own changes, including those made before the upgrade; written to
    /// the journal, it is what this ward reloads after a restart, so each family is asked once. A family that cannot
    /// answer now stays undated, and listed, until a later list asks again; one in no ward is let go, as reconciliation
    /// lets go of an entry its entity no longer makes.
    /// </summary>
    /// <param name="most">How many to ask at most: a list's bound, or a background tick's.</param>
    /// <param name="inBackground">Whether the timer asked (logged at debug level: it asks every few seconds) rather than a list.</param>
    private async Task DateFamiliesAsync(int most, bool inBackground)
    {
        // Not those another pass is asking now (a list and the background tick interleave): they are asked once, and
        // listed meanwhile as undated.
        var keys = _undated.Where(k => !_dating.Contains(k)).Take(most).ToArray();
        _dating.UnionWith(keys);
        try
        {
            await AskFamiliesAsync(keys, inBackground);
        }
        finally
        {
            _dating.ExceptWith(keys);
        }
    }

    private async Task AskFamiliesAsync(string[] keys, bool inBackground)
    {
        var dated = 0;
        for (var start = 0; start < keys.Length; start += FamiliesDatedInFlight)
        {
            var chunk = keys.AsMemory(start, Math.Min(FamiliesDatedInFlight, keys.Length - start));
            var calls = new Task<(bool Answered, WardContribution? Entry)>[chunk.Length];

            // A family's entry is the family's fact, not the reader's request: the calls carry no caller.
            using (NoticeScope.Begin())
            {
                for (var i = 0; i < calls.Length; i++)
                {
                    calls[i] = FreshEntryAsync(chunk.Span[i]);
                }
            }

            var answers = await Task.WhenAll(calls);
            for (var i = 0; i < answers.Length; i++)
            {
                switch (answers[i])
                {
                    case (false, _):
                        break;
                    case (true, null):
                        await LetGoOfEntryWithNoFamilyAsync(chunk.Span[i]);
                        break;
                    case (true, { } entry):
                        Hold(entry);
                        dated++;
                        break;
                }
            }
        }

        logger.Log(inBackground ? LogLevel.Debug : LogLevel.Information,
            "Ward {Ward} dated the risk changes of {Dated} of {Asked} families whose entries predate the change instants; {Left} left", WardCode, dated, keys.Length, _undated.Count);
    }

    /// <summary>
    /// Lets go of a family entry whose family, asked for a fresh one, has none: its events put it in no ward (a journal
    /// holding no events of it, as a store restored without them, or an entry written by hand). No family stands behind
    /// the entry, so it is on no list and in no figure; it is deleted from the journal too (at the version held, so an
    /// entry the family writes meanwhile stays), or a ward reloading its entries would count it again until its next
    /// <c>changedSince</c> list. A store that cannot delete it now leaves it there, and the ward reloading asks again.
    /// </summary>
    private async Task LetGoOfEntryWithNoFamilyAsync(string key)
    {
        if (!_entries.TryGetValue(key, out var held))
        {
            return;
        }

        var version = held.Version;
        Drop(key);
        logger.LogWarning("Ward {Ward} let go of {Entry} (v{Version}): its family has no events that put it in a ward, so no family stands behind the entry", WardCode, key, version);
        await DeleteEntryNoOneStandsBehindAsync(key, version);
    }

    /// <summary>
    /// Deletes from the journal an entry whose entity, asked, has no contribution, at the version stored (an entry the
    /// entity writes meanwhile is newer and stays); without it a ward reloading its entries would count it again. A store
    /// that cannot delete it now leaves it there, and whatever asks next (a <c>changedSince</c> list, a reconciliation)
    /// lets go of it again.
    /// </summary>
    private async Task DeleteEntryNoOneStandsBehindAsync(string key, long version)
    {
        try
        {
            await journal.DeleteWardEntryAsync(WardCode, key, version);
        }
        catch (Exception failure) when (failure is JournalUnavailableException or StoreFailedException)
        {
            logger.LogWarning(failure, "Ward {Ward} could not delete {Entry} from the journal; it is let go of again when the ward next reloads and asks", WardCode, key);
        }
    }

    private async Task<(bool Answered, WardContribution? Entry)> FreshEntryAsync(string key)
    {
        try
        {
            return (true, await GrainFactory.For<IFamilyGrain>(key["family:".Length..]).RewriteWardEntryAsync());
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            logger.LogWarning(error, "Ward {Ward} could not ask {Entry} for a fresh entry; it stays listed as possibly changed", WardCode, key);
            return (false, null);
        }
    }

    /// <summary>
    /// The caller a list of identifiable records may go to: the ward's early intervention team, the roles named, or the
    /// system (whose reads are audited where they reach a person). The gateway checks the same; this is the grain's own
    /// line, as the family grain draws it for a family.
    /// </summary>
    private Caller MayList(params string[] roles)
    {
        var caller = CallerContext.Current ?? throw new UnauthorizedAccessException("A ward's lists are shown only to a named caller.");
        if (caller.Role == Roles.System)
        {
            return caller;
        }

        return roles.Contains(caller.Role, StringComparer.Ordinal) && caller.Wards.Contains(WardCode, StringComparer.Ordinal)
            ? caller
            : throw new UnauthorizedAccessException($"This list of ward {WardCode} is not for role {caller.Role} in wards [{string.Join(", ", caller.Wards)}].");
    }

    /// <summary>The rows are durable before the list leaves the grain; the system's own reads are not a person's.</summary>
    private Task AuditShownAsync(Caller caller, string action, string purpose, IReadOnlyList<ShownRecord> records, string detail) =>
        caller.Role == Roles.System
            ? Task.CompletedTask
            : journal.AppendAsync(ShownRecordsAudit.Rows(caller, time.GetUtcNow(), new RecordsShown(action, purpose, records, detail)));

    public async Task<IReadOnlyList<UnreachedInfant>> GetUnreachedAsync()
    {
        // Champions are frontline callers bound to a champion; the gateway lets no other frontline caller ask.
        var caller = MayList(Roles.EarlyIntervention, Roles.Frontline);
        if (caller is { Role: Roles.Frontline, Champion: null })
        {
            throw new UnauthorizedAccessException("Only champions and the early intervention team see unreached infants.");
        }

        ParsePending();
        var championsByFamily = Families().ToDictionary(f => f.FamilyId, f => f.Champions, StringComparer.Ordinal);

        // The under-fives the figures' reach.unreached counts: a child who turned five has left the centre's population.
        var today = figures.Calendar.DayOf(time.GetUtcNow());
        IReadOnlyList<UnreachedInfant> unreached = Children()
            .Where(c => c.KnownFromBirthRecord && c.RegisteredOn is null && c.LastSeenOn is null
                && c.DateOfBirth is { } born && ReachCalculator.IsUnderFive(born, today))
            .OrderBy(c => c.DateOfBirth)
            .ThenBy(c => c.ChildId, StringComparer.Ordinal)
            .Select(c => new UnreachedInfant(
                c.ChildId,
                c.FamilyId,
                c.DateOfBirth!.Value,
                c.FamilyId is { } f && championsByFamily.TryGetValue(f, out var champions) ? champions : [],
                c.Synthetic))
            .ToArray();
        await AuditShownAsync(caller, "unreached-read", "unreached-infants",
            unreached.Select(u => new ShownRecord(u.FamilyId, u.ChildId)).ToArray(), "ward " + WardCode);
        return unreached;
    }

    public async Task<ReconciliationReport> ReconcileAsync()
    {
        ParsePending();
        var differences = new List<string>();
        var durable = (await journal.ReadWardEntriesAsync(WardCode)).ToDictionary(e => e.EntryKey, StringComparer.Ordinal);

        // Champions named by the ward's families are asked too: one whose report never arrived is otherwise unknown here.
        var named = Families().SelectMany(f => f.Champions).Select(c => ChampionGrain.EntryKey(c, WardCode));
        var keys = durable.Keys.Union(_entries.Keys, StringComparer.Ordinal).Union(named, StringComparer.Ordinal)
            .OrderBy(k => k, StringComparer.Ordinal).ToList();
        var checkedCount = 0;
        foreach (var key in keys)
        {
            var fresh = await FreshContributionAsync(key);
            _entries.TryGetValue(key, out var held);
            if (fresh is null)
            {
                if (held is not null)
                {
                    checkedCount++;
                    differences.Add($"{key}: held here but the entity has no contribution to this ward");
                    Drop(key);

                    // Dropped here only, the stored entry would be counted again by the ward's next activation.
                    if (durable.TryGetValue(key, out var stored))
                    {
                        await DeleteEntryNoOneStandsBehindAsync(key, stored.Version);
                    }
                }

                continue;
            }

            checkedCount++;

            if (!string.Equals(fresh.WardCode, WardCode, StringComparison.Ordinal))
            {
                differences.Add($"{key}: now belongs to ward {fresh.WardCode}");
                Drop(key);
                Leave(key, fresh.Version);
                continue;
            }

            if (held is null)
            {
                differences.Add($"{key}: missing from the live figures");
            }
            else if (!held.Holds(fresh.Payload))
            {
                differences.Add($"{key}: live v{held.Version} differs from recomputed v{fresh.Version}");
            }

            // A newer version with the same payload (an event that changed nothing the ward counts, which the entity
            // rightly did not re-send) is not a difference in the figures; the fresh entry is still adopted below.

            Put(fresh);
        }

        if (differences.Count > 0)
        {
            _changes++;
            logger.LogWarning("Ward {Ward} reconciliation repaired {Count} differences", WardCode, differences.Count);
        }

        return new ReconciliationReport(WardCode, checkedCount, differences);
    }

    private async Task<WardContribution?> FreshContributionAsync(string key)
    {
        var separator = key.IndexOf(':', StringComparison.Ordinal);
        var id = key[(separator + 1)..];
        return key[..separator] switch
        {
            "child" => await GrainFactory.For<IChildGrain>(id).GetContributionAsync(),
            "family" => await GrainFactory.For<IFamilyGrain>(id).GetContributionAsync(),
            "champion" when id.Contains('@', StringComparison.Ordinal) =>
                (await GrainFactory.For<IChampionGrain>(id[..id.LastIndexOf('@')]).GetContributionsAsync()).FirstOrDefault(c => c.EntryKey == key),
            "champion" => null,
            _ => _entries.GetValueOrDefault(key)?.ToContribution(key, WardCode),
        };
    }

    /// <summary>
    /// Takes a contribution unless the ward holds a newer one. The version counts the entity's events (a child's, in its
    /// low half, the version of the family ward it follows, so a family's move raises it too), but time alone
    /// (a review window closing, a contact leaving the look-back) changes a contribution with no event, so a deadline
    /// tick reports the same version with a new payload: at an equal version a different payload replaces the held
    /// one, and of two such reports the later to arrive wins until the next.
    /// </summary>
    private void Hold(WardContribution contribution)
    {
        if (!string.Equals(contribution.WardCode, WardCode, StringComparison.Ordinal))
        {
            Leave(contribution.EntryKey, contribution.Version);
            return;
        }

        if (_departed.TryGetValue(contribution.EntryKey, out var departed))
        {
            if (contribution.Version <= departed)
            {
                return;
            }

            _departed.Remove(contribution.EntryKey);
        }

        if (_entries.TryGetValue(contribution.EntryKey, out var held))
        {
            if (held.Version > contribution.Version || (held.Version == contribution.Version && held.Holds(contribution.Payload)))
            {
                return;
            }

            held.Replace(contribution);
        }
        else
        {
            _entries[contribution.EntryKey] = new HeldContribution(contribution);
        }

        // Parsing waits for the next read: under load an entity reports many versions between two reads
        // of the figures, and only the last one needs to be parsed.
        _unparsed.Add(contribution.EntryKey);
        _changes++;
    }

    /// <remarks>
    /// Memory only: the journal's copy of the entry went in the commit that wrote the entity's departure from this ward
    /// (every caller writes it before telling the ward), so a ward reloading finds neither the entry nor a way back for
    /// its older reports.
    /// </remarks>
    public Task EntityLeftAsync(string entryKey, long version)
    {
        ArgumentException.ThrowIfNullOrEmpty(entryKey);
        if (_entries.TryGetValue(entryKey, out var held) && held.Version > version)
        {
            return Task.CompletedTask;
        }

        Leave(entryKey, version);
        logger.LogInformation("Ward {Ward} let go of {Entry} (held v{Held}): the record that put it in the ward was marked as entered in error", WardCode, entryKey, held?.Version);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The entity's contribution at <paramref name="version"/> names another ward: it moved there. The held one goes
    /// unless it is newer (the entity came back since), and no report older than the move brings it back.
    /// </summary>
    private void Leave(string key, long version)
    {
        if (_entries.TryGetValue(key, out var held) && held.Version > version)
        {
            return;
        }

        Drop(key);
        if (!_departed.TryGetValue(key, out var known) || known < version)
        {
            _departed[key] = version;
        }
    }

    private void Put(WardContribution contribution)
    {
        Drop(contribution.EntryKey);
        Hold(contribution);
    }

    /// <summary>Parses the contributions that arrived since the last read.</summary>
    private void ParsePending()
    {
        foreach (var key in _unparsed)
        {
            if (!_entries.TryGetValue(key, out var held))
            {
                continue;
            }

            switch (held.Kind)
            {
                case ContributionKind.Child:
                    _children[key] = ContributionJson.Deserialize<ChildContribution>(held.Payload);
                    if (!FamilyContribution.AssessedUnder(held.Payload, RulesVersionProperty))
                    {
                        _childrenOfOtherRules.Add(key);
                    }
                    else if (_childrenOfOtherRules.Count > 0)
                    {
                        _childrenOfOtherRules.Remove(key);
                    }

                    break;
                case ContributionKind.Family:
                    _families[key] = ContributionJson.Deserialize<FamilyContribution>(held.Payload);
                    if (IsStale(held.Payload))
                    {
                        _undated.Add(key);
                    }
                    else if (_undated.Count > 0)
                    {
                        _undated.Remove(key);
                    }

                    break;
                case ContributionKind.Champion:
                    _champions[key] = ContributionJson.Deserialize<ChampionContribution>(held.Payload);
                    break;
            }
        }

        _unparsed.Clear();
    }

    private void Drop(string key)
    {
        if (_entries.Remove(key))
        {
            _children.Remove(key);
            _families.Remove(key);
            _champions.Remove(key);
            _undated.Remove(key);
            _childrenOfOtherRules.Remove(key);
            _changes++;
        }
    }

    private IEnumerable<FamilyContribution> Families() => _families.Values;

    /// <summary>A family entry to ask afresh: written before entries carried the change instants, or assessed under other rules.</summary>
    private bool IsStale(ReadOnlySpan<byte> payload) =>
        !FamilyContribution.KnowsChangeTimes(payload) || !FamilyContribution.AssessedUnder(payload, RulesVersionProperty);

    /// <summary>The family's entry does not say when its risk changed (see <see cref="_undated"/>); asked only of a family with no such instant.</summary>
    private bool IsUndated(FamilyContribution family) => _undated.Count > 0 && _undated.Contains("family:" + family.FamilyId);

    private IEnumerable<ChildContribution> Children() => _children.Values;

    /// <summary>The domain's rule on the levels the entry names (the family wrote them, so they are known names).</summary>
    private static bool AwaitsDecision(FamilyContribution family) =>
        LevelDecisions.AwaitsDecision(
            WireName.Parse<ServiceLevel>(family.SuggestedLevel),
            family.SetLevel is { } set ? WireName.Parse<ServiceLevel>(set) : null);

    private static WardContribution ToContribution(WardEntry entry) => new(
        entry.EntryKey,
        entry.WardCode,
        entry.Kind switch
        {
            "child" => ContributionKind.Child,
            "family" => ContributionKind.Family,
            "champion" => ContributionKind.Champion,
            _ => ContributionKind.Service,
        },
        entry.Version,
        entry.Payload.Bytes);
}
