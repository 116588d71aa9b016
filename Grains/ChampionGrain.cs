using QpActors.Domain.Events;
using QpActors.Domain.Model;
using QpActors.Grains.Interfaces;
using QpActors.Persistence;

namespace QpActors.Grains;

/// <summary>What a champion has done that no journal query can answer: the closed loop.</summary>
public sealed class ChampionLoopState
{
    /// <summary>Families this champion signposted who later registered with or attended the centre (family id -> event id).</summary>
    public Dictionary<string, string> Reached { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Registrations and attendances that reached a signposted family and were then marked in error: a late notice of one
    /// (it may arrive after the mark's) must not count the family as reached again. Rare, so kept for good.
    /// </summary>
    public HashSet<string> MarkedReaches { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A community health or maternity champion. Outreach, surveys and drop-ins are rebuilt from the
/// journal rows that name the champion; the closed loop (signposted families later reached) arrives
/// from families and is kept in grain storage, written only when a new family is reached.
/// </summary>
/// <remarks>
/// The champion reports its current contribution to each ward it has worked in, like children and families: a whole
/// value with a version (the number of events it has counted), written to the journal's ward entries and sent through
/// the per-silo ward feed, so a duplicated or reordered report cannot double-count and a lost one is repaired by the next.
/// Outreach and surveys count in the ward the journal recorded for the event (the family's or child's ward then);
/// a drop-in names no family, so it counts in the champion's home ward: the ward of most of its events.
/// </remarks>
public sealed class ChampionGrain(
    IEventJournal journal,
    WardFeed feed,
    [PersistentState("champion-loop", QpStorage.Name)] IPersistentState<ChampionLoopState> loop) : Grain, IChampionGrain
{
    /// <summary>The tally of events the journal recorded with no ward; they count in the home ward.</summary>
    private const string NoWard = "";

    private readonly HashSet<string> _eventIds = new(StringComparer.Ordinal);
    // Per family, the service of its latest signposting by (occurredAt, eventId), so the answer does not depend on the
    // order notices and journal rows arrive in.
    private readonly Dictionary<string, Stamped<string>> _signposted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WardTally> _byWard = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Utf8Json> _published = new(StringComparer.Ordinal);
    private int _outreach;
    private int _surveys;
    private int _dropIns;

    private string ChampionId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A mark met here may have been missed while the champion was not active: the loop kept in grain storage follows it.
        if (await CountFromJournalAsync(cancellationToken))
        {
            await ForgetReachedNoLongerSignpostedAsync();
        }

        // What the wards hold may predate a report lost in a crash: the journal and the wards ignore a repeat (same
        // version, same payload), so reporting everything once per activation is harmless and repairs that.
        await ReportAsync(null, everything: true);
    }

    /// <summary>
    /// Counts the champion's journal rows afresh: on activation, and after one of its entered-in-error marks, whose marked
    /// event may have set more than a tally (a family's latest signposting, which an earlier one then takes back). True
    /// when the rows hold a mark.
    /// </summary>
    private async Task<bool> CountFromJournalAsync(CancellationToken cancellationToken = default)
    {
        _eventIds.Clear();
        _signposted.Clear();
        _byWard.Clear();
        _outreach = _surveys = _dropIns = 0;
        var rows = await journal.ReadAllEventsAsync(EventQuery.ForChampion(ChampionId), cancellationToken);
        var events = rows.Select(row => ContactEventJson.Deserialize(row.Payload.Bytes)).ToList();

        // Only the events nobody marked in error count; a mark itself is no contact, though its id is known.
        var counted = events.Exists(static e => e.Data is EnteredInError)
            ? MarksInError.Unmarked(events).Select(e => e.EventId).ToHashSet(StringComparer.Ordinal)
            : null;
        for (var i = 0; i < rows.Count; i++)
        {
            if (counted is null || counted.Contains(events[i].EventId))
            {
                Count(events[i], rows[i].WardCode);
            }
            else
            {
                _eventIds.Add(events[i].EventId);
            }
        }

        return counted is not null;
    }

    /// <summary>
    /// Takes back the closed loop of families this champion no longer signposted: the outreach that signposted them was
    /// marked in error (and no other of its outreach signposts them). The loop is kept in grain storage, so without this
    /// a family reached after a signposting that never was would count for good.
    /// </summary>
    private async Task ForgetReachedNoLongerSignpostedAsync()
    {
        List<KeyValuePair<string, string>>? forgotten = null;
        foreach (var reached in loop.State.Reached)
        {
            if (!_signposted.ContainsKey(reached.Key))
            {
                (forgotten ??= []).Add(reached);
            }
        }

        if (forgotten is null)
        {
            return;
        }

        foreach (var reached in forgotten)
        {
            loop.State.Reached.Remove(reached.Key);
        }

        await loop.WriteOrUndoAsync(() =>
        {
            foreach (var reached in forgotten)
            {
                loop.State.Reached[reached.Key] = reached.Value;
            }
        });
    }

    public async Task<ContactReceipt> RecordAsync(ContactEvent contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        if (contact.Data is not DropInHosted)
        {
            return ContactReceipt.Rejected(contact.EventId, [new FieldProblem("type", "only drop-in-hosted is recorded by a champion directly")]);
        }

        if (_eventIds.Contains(contact.EventId))
        {
            return await journal.DuplicateReceiptAsync(contact);
        }

        // Counted tentatively so the new ward entries commit with the event; taken back if the event does not commit.
        Count(contact, null);
        bool inserted;
        try
        {
            inserted = await ReportAsync(JournalRows.From(contact, null, _eventIds.Count), everything: false);
        }
        catch
        {
            Uncount(contact, null);
            throw;
        }

        if (!inserted)
        {
            Uncount(contact, null);
            return await journal.DuplicateReceiptAsync(contact);
        }

        return new ContactReceipt(contact.EventId, ReceiptStatus.Accepted, _eventIds.Count, []);
    }

    public async Task ContactRecordedAsync(ContactEvent contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        if (_eventIds.Contains(contact.EventId))
        {
            return;
        }

        if (contact.Data is EnteredInError)
        {
            // A mark is no contact; the event it marks stops counting. Rare, so the champion counts its rows again (the
            // mark is durable before anyone is told of it).
            await CountFromJournalAsync();
            await ForgetReachedNoLongerSignpostedAsync();
            await ReportAsync(null, everything: false);
            return;
        }

        // The event is already durable; its row says which ward it was recorded in (the caller's message does not).
        var row = await journal.FindEventAsync(contact.EventId);
        if (Count(contact, row?.WardCode))
        {
            await ReportAsync(null, everything: false);
        }
    }

    public async Task SignpostedFamilyReachedAsync(string familyId, string eventId)
    {
        if (!_signposted.ContainsKey(familyId) || loop.State.Reached.ContainsKey(familyId) || loop.State.MarkedReaches.Contains(eventId))
        {
            return;
        }

        // Not kept if the write fails: the family's next registration or attendance tells the champion again.
        loop.State.Reached[familyId] = eventId;
        await loop.WriteOrUndoAsync(() => loop.State.Reached.Remove(familyId));
    }

    public async Task ReachMarkedInErrorAsync(string familyId, string[] markedEventIds, string? stillReachedBy)
    {
        ArgumentNullException.ThrowIfNull(markedEventIds);
        var newlyMarked = markedEventIds.Where(loop.State.MarkedReaches.Add).ToList();
        var held = loop.State.Reached.TryGetValue(familyId, out var reachedBy) ? reachedBy : null;

        // As a fold of the unmarked events would have it: reached by what still reaches the family, if this champion
        // signposted it; else not reached. An entry naming another unmarked event stays as it is.
        var next = stillReachedBy is not null && _signposted.ContainsKey(familyId)
            ? held is not null && !loop.State.MarkedReaches.Contains(held) ? held : stillReachedBy
            : null;
        if (newlyMarked.Count == 0 && string.Equals(held, next, StringComparison.Ordinal))
        {
            return;
        }

        SetReached(familyId, next);
        await loop.WriteOrUndoAsync(() =>
        {
            SetReached(familyId, held);
            loop.State.MarkedReaches.ExceptWith(newlyMarked);
        });

        void SetReached(string family, string? by)
        {
            if (by is null)
            {
                loop.State.Reached.Remove(family);
            }
            else
            {
                loop.State.Reached[family] = by;
            }
        }
    }

    public Task<ChampionSummary> GetSummaryAsync()
    {
        var byService = _signposted.Values
            .GroupBy(s => s.Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return Task.FromResult(new ChampionSummary(
            ChampionId,
            _outreach,
            _signposted.Count,
            byService,
            loop.State.Reached.Count,
            _surveys,
            _dropIns,
            _eventIds.Count));
    }

    public async Task<IReadOnlyList<WardContribution>> GetContributionsAsync()
    {
        // Recomputed from the journal: an event whose one-way notice never arrived is counted now, and reported.
        var caughtUp = false;
        foreach (var row in await journal.ReadAllEventsAsync(EventQuery.ForChampion(ChampionId)))
        {
            caughtUp |= Count(ContactEventJson.Deserialize(row.Payload.Bytes), row.WardCode);
        }

        if (caughtUp)
        {
            await ReportAsync(null, everything: false);
        }

        return Contributions().Select(ToContribution).ToArray();
    }

    /// <summary>The contribution's entry key for one ward: a champion may work in several.</summary>
    public static string EntryKey(string championId, string wardCode) => $"champion:{championId}@{wardCode}";

    /// <summary>
    /// Writes the ward entries that changed since last reported (all of them when <paramref name="everything"/>), with the
    /// event when there is one, then sends them to the ward feed. Returns whether the event was new to the journal.
    /// </summary>
    private async Task<bool> ReportAsync(JournalEvent? journalEvent, bool everything)
    {
        var changed = Contributions()
            .Where(e => everything || !_published.TryGetValue(e.EntryKey, out var payload) || payload != e.Payload)
            .ToList();
        if (journalEvent is null && changed.Count == 0)
        {
            return false;
        }

        var appended = await journal.AppendAsync(new JournalWrite(journalEvent, changed, [], []));
        if (journalEvent is not null && !appended.Inserted)
        {
            return false;
        }

        foreach (var entry in changed)
        {
            _published[entry.EntryKey] = entry.Payload;
            feed.Publish(ToContribution(entry));
        }

        return true;
    }

    /// <summary>The current contribution to every ward the champion has worked in.</summary>
    private List<WardEntry> Contributions()
    {
        var home = _byWard
            .Where(w => w.Key != NoWard)
            .OrderByDescending(w => w.Value.Events)
            .ThenBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => w.Key)
            .FirstOrDefault();
        var unplaced = _byWard.GetValueOrDefault(NoWard) ?? new WardTally();
        var entries = new List<WardEntry>();
        foreach (var (ward, tally) in _byWard.Where(w => w.Key != NoWard).OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            var extra = ward == home ? unplaced : new WardTally();
            var value = new ChampionContribution(
                ChampionId,
                ward,
                tally.DropIns + extra.DropIns,
                tally.Surveys + extra.Surveys,
                tally.Outreach + extra.Outreach);
            entries.Add(new WardEntry(EntryKey(ChampionId, ward), ward, "champion", _eventIds.Count, ContributionJson.Serialize(value)));
        }

        return entries;
    }

    private static WardContribution ToContribution(WardEntry entry) =>
        new(entry.EntryKey, entry.WardCode, ContributionKind.Champion, entry.Version, entry.Payload.Bytes);

    /// <summary>Counts an event once (by id) in the ward it was recorded in; false if it was already counted.</summary>
    private bool Count(ContactEvent contact, string? ward)
    {
        if (!_eventIds.Add(contact.EventId))
        {
            return false;
        }

        Tally(contact, ward, 1);
        if (contact.Data is ChampionOutreach { SignpostedTo: { } service } && contact.FamilyId is { } family)
        {
            _signposted[family] = Stamped<string>.Latest(_signposted.GetValueOrDefault(family), new(service, contact.OccurredAt, contact.EventId));
        }

        return true;
    }

    private void Uncount(ContactEvent contact, string? ward)
    {
        if (_eventIds.Remove(contact.EventId))
        {
            Tally(contact, ward, -1);
        }
    }

    private void Tally(ContactEvent contact, string? ward, int by)
    {
        if (!_byWard.TryGetValue(ward ?? NoWard, out var tally))
        {
            tally = new WardTally();
            _byWard[ward ?? NoWard] = tally;
        }

        tally.Events += by;
        switch (contact.Data)
        {
            case ChampionOutreach:
                _outreach += by;
                tally.Outreach += by;
                break;
            case SurveyCompleted:
                _surveys += by;
                tally.Surveys += by;
                break;
            case DropInHosted:
                _dropIns += by;
                tally.DropIns += by;
                break;
        }
    }

    private sealed class WardTally
    {
        public int Events { get; set; }

        public int Outreach { get; set; }

        public int Surveys { get; set; }

        public int DropIns { get; set; }
    }
}
