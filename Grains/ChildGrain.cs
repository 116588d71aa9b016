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
/// A child's live record. The journal is the source of truth: an event is acknowledged only after its
/// row (with the child's new ward contribution and next review deadline) commits, and the unique event id
/// in that row is what makes a repeated event a duplicate, also across restarts and deactivations.
/// State is rebuilt from the child's rows on activation; the fold is order-independent, so late events
/// need no replay.
/// </summary>
public sealed class ChildGrain(
    IEventJournal journal,
    RiskEngine engine,
    ReviewWindows schedule,
    GrainClock time,
    WardFeed feed,
    ILogger<ChildGrain> logger) : Grain, IChildGrain, IRiskSubject
{
    private ChildState _state = null!;
    private ServiceTallies _services = new();
    private RiskTimeline _timeline = null!;
    // A hash, not the JSON itself: a live child should cost a few kilobytes of memory, not a copy of its contribution.
    private int? _publishedContribution;

    // The ward the child was last reported to; until its first report, the ward it was in when it was loaded.
    private string? _publishedWard;

    // What the child knows of its family's ward (see WardOf): asked of the family when the child activates or names a
    // family it has not asked, and updated by the family's notices when it moves. Not in the child's own journal rows, so
    // a rebuild asks the family, which folds it from its own rows: the same answer as before the restart.
    private FamilyWard? _familyWard;

    // The deadline row as this child last committed it: the next change of that state, worked out at that instant.
    // Only the child writes its row, so an unchanged deadline need not be written again with every event. And the
    // risk timeline asks exactly this question (this state, from the instant it last observed) when the next event
    // arrives, so it is answered from here instead of evaluating the review schedule a second time. Keyed by the
    // state object, which an event replaces and never mutates.
    private (ChildState State, DateTimeOffset At, DateTimeOffset? Deadline)? _committed;

    // Read once: GetPrimaryKeyString decodes the grain id into a new string on every call.
    private string ChildId => field ??= this.GetPrimaryKeyString();

    // Not kept: a live child should stay small, and the key is needed once or twice per event.
    private string EntityKey => "child:" + ChildId;

    public override Task OnActivateAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    /// <summary>Rebuilds everything in memory from the child's journal rows, in the order they were stored.</summary>
    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var rows = await journal.ReadAllEventsAsync(EventQuery.ForChild(ChildId), cancellationToken);
        _state = new ChildState(ChildId);
        _services = new ServiceTallies();
        _timeline = NewTimeline();
        // Kept only once a load meets a mark (rare): every other child's activation allocates nothing more for marks.
        List<ContactEvent>? events = null;
        for (var i = 0; i < rows.Count; i++)
        {
            // As live: time passes under the state before the event, then the event is observed.
            var contact = ContactEventJson.Deserialize(rows[i].Payload.Bytes);
            events?.Add(contact);
            _timeline.AdvanceTo(contact.ReceivedAt);
            _state = _state.Apply(contact);
            if (_state.NeedsRebuild)
            {
                // A mark after its event, as it was live: the child is folded again from its events up to the mark.
                events ??= [.. rows.Take(i + 1).Select(static r => ContactEventJson.Deserialize(r.Payload.Bytes))];
                _state = ChildState.Fold(ChildId, events);
            }

            _services.Add(contact, schedule.Calendar);
            _timeline.Observe(contact.ReceivedAt, contact.EventId);
        }

        if (events is not null || !_state.MarkedInError.IsEmpty)
        {
            _services = Tallies(events ?? [.. rows.Select(static r => ContactEventJson.Deserialize(r.Payload.Bytes))]);
        }

        _timeline.AdvanceTo(time.GetUtcNow());
        _publishedContribution = null;
        _familyWard = null;
        await LearnFamilyWardAsync(_state);
        _publishedWard ??= WardOf(_state);
        logger.LogDebug("Child {ChildId} loaded from {Count} events", ChildId, rows.Count);
    }

    // Both share one async method that shapes its own answer. Every await in grain code that resumes later goes
    // through the activation's task scheduler (a task queued or inlined there, with the captured context), so a
    // wrapper awaiting the other, or a helper awaited for the commit, would each cost one more such step per call.
    public Task<ContactReceipt> RecordAsync(ContactEvent contact) => RecordAsync([contact], static receipts => receipts[0]);

    public Task<ContactReceipt[]> RecordAllAsync(ContactEvent[] contacts) => RecordAsync(contacts, static receipts => receipts);

    private async Task<TAnswer> RecordAsync<TAnswer>(ContactEvent[] contacts, Func<ContactReceipt[], TAnswer> answer)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        var receipts = new ContactReceipt?[contacts.Length];

        // The events whose ids the journal found held by another entity's event: never written, and answered below from
        // the row that holds the id (rejected). Known only from a commit, so made only when the journal refuses a unit.
        bool[]? taken = null;
        try
        {
            // A unit the journal refused because one of its ids was taken wrote nothing at all (IEventJournal.AppendAllAsync),
            // and is planned again without that event: numbered, assessed and counted as a rebuild from the journal will,
            // so no row, entry or departure is ever stored otherwise. Ids are only ever taken, never freed, so each round
            // leaves out at least one more event.
            while (true)
            {
                var now = time.GetUtcNow();

                // Each new event is assessed on the state it leaves at the instant it was received, as a replay of the
                // journal would; only the last state's ward contribution and deadline are written, with the events, in one unit.
                var steps = new List<Step>(contacts.Length);

                // The pending notices of this unit's marks (MarkNotices), made only when the unit holds one.
                List<Deadline>? notices = null;
                var state = _state;
                IReadOnlyList<ReviewStatus> reviews = [];
                for (var i = 0; i < contacts.Length; i++)
                {
                    var contact = contacts[i];
                    ArgumentNullException.ThrowIfNull(contact, nameof(contacts));
                    if (!string.Equals(contact.ChildId, ChildId, StringComparison.Ordinal))
                    {
                        receipts[i] = ContactReceipt.Rejected(contact.EventId, [new FieldProblem("childId", "the event is for another child")]);
                        continue;
                    }

                    if (taken is not null && taken[i])
                    {
                        continue;
                    }

                    var next = state.Apply(contact);
                    if (next.Version == state.Version)
                    {
                        continue; // Already applied: a duplicate, answered from the journal below.
                    }

                    if (contact.Data is EnteredInError)
                    {
                        // Rare: the child is folded again from its events with the mark, which the events must justify.
                        var events = await EventsWithAsync(steps, contact);
                        if (!MarksInError.MarksOneOf(contact, events))
                        {
                            receipts[i] = ContactReceipt.Rejected(contact.EventId, [new FieldProblem("data.eventId", MarksInError.NotYours)]);
                            continue;
                        }

                        next = ChildState.Fold(ChildId, events);
                        _services = Tallies(events);
                        if (contact.FamilyId is not null)
                        {
                            (notices ??= []).Add(MarkNotices.Pending(contact, now));
                        }
                    }
                    else
                    {
                        // The contribution written with the events must already count their contacts.
                        _services.Add(contact, schedule.Calendar);
                    }

                    // The reviews are evaluated once per state and feed the risk, the ward contribution and the deadline.
                    var at = contact.ReceivedAt;
                    reviews = schedule.Evaluate(next, at);
                    var assessment = engine.AssessChild(RiskFacts.ForChild(next, at, schedule, reviews));
                    steps.Add(new Step(i, contact, next, assessment, RiskFacts.NextChange(next, at, schedule, reviews), Overdue(reviews)));
                    state = next;
                }

                if (steps.Count == 0)
                {
                    break;
                }

                // The ward the events are recorded in and the contribution goes to follows the family the child now names.
                await LearnFamilyWardAsync(state);
                var current = Current(steps[^1], reviews, now);
                var writes = CommitWrites(steps, current, now, notices, out var contribution, out var contributionJson);
                var appended = await journal.AppendAllAsync(writes);
                if (Array.TrueForAll(appended, static a => a.Inserted))
                {
                    var left = WardLeftByMark(steps, contribution);
                    Committed(steps, current, contribution, contributionJson, receipts);
                    if (left is not null)
                    {
                        // A mark took back the birth record that put the child in a ward: the ward lets go of it (the
                        // unit wrote the departure with the mark, LeftByMark).
                        await GrainFactory.For<IWardGrain>(left).EntityLeftAsync(EntityKey, ContributionVersion(current.State));
                        _publishedWard = null;
                        _publishedContribution = null;
                    }

                    if (notices is not null)
                    {
                        foreach (var step in steps)
                        {
                            if (step.Contact.Data is EnteredInError)
                            {
                                await MarkNotices.TellServiceAsync(GrainFactory, step.Contact, logger);
                            }
                        }
                    }

                    break;
                }

                Refused(steps, appended, taken ??= new bool[contacts.Length]);

                // The tallies counted the refused unit's events before the commit: they, and the rest, come back from the journal.
                await LoadAsync(CancellationToken.None);
            }
        }
        catch
        {
            // The tallies count events before their commit, and a reload may have stopped half-way: whatever failed, memory
            // may hold what the journal does not. Orleans drops this activation once the call returns, and the next call
            // activates the child afresh from the journal.
            DeactivateOnIdle();
            throw;
        }

        for (var i = 0; i < contacts.Length; i++)
        {
            receipts[i] ??= await journal.DuplicateReceiptAsync(contacts[i]);
        }

        return answer(receipts!);
    }

    /// <summary>
    /// The child's events: its journal rows, the events of this unit planned before <paramref name="mark"/>, and the mark,
    /// from which a mark is checked and the child folded again. Read only for a mark, which is rare.
    /// </summary>
    private async Task<List<ContactEvent>> EventsWithAsync(List<Step> steps, ContactEvent mark)
    {
        var rows = await journal.ReadAllEventsAsync(EventQuery.ForChild(ChildId));
        var events = new List<ContactEvent>(rows.Count + steps.Count + 1);
        foreach (var row in rows)
        {
            events.Add(ContactEventJson.Deserialize(row.Payload.Bytes));
        }

        foreach (var step in steps)
        {
            events.Add(step.Contact);
        }

        events.Add(mark);
        return events;
    }

    /// <summary>The services' tallies of the events nobody marked in error (a mark is no contact, and a marked event counts for nothing).</summary>
    private ServiceTallies Tallies(List<ContactEvent> events)
    {
        var tallies = new ServiceTallies();
        foreach (var contact in MarksInError.Unmarked(events))
        {
            tallies.Add(contact, schedule.Calendar);
        }

        return tallies;
    }

    /// <summary>Marks in <paramref name="taken"/> the events of a refused unit whose ids the journal holds for another entity.</summary>
    private void Refused(List<Step> steps, AppendResult[] appended, bool[] taken)
    {
        var found = false;
        for (var k = 0; k < steps.Count; k++)
        {
            if (appended[k].Inserted)
            {
                throw new InvalidOperationException($"The journal wrote part of a unit of child {ChildId}.");
            }

            if (appended[k].Taken)
            {
                taken[steps[k].Index] = found = true;
            }
        }

        if (!found)
        {
            throw new InvalidOperationException($"The journal refused a unit of child {ChildId} naming no taken id.");
        }
    }

    /// <summary>
    /// An event this child has not seen, with the state it leaves and that state's assessment at the event's receipt
    /// (<see cref="ContactEvent.ReceivedAt"/>) and next change after it.
    /// </summary>
    private sealed record Step(int Index, ContactEvent Contact, ChildState State, RiskAssessment Assessment, DateTimeOffset? Deadline, int Overdue);

    /// <summary>The last state's assessment, reviews and next change as of <see cref="At"/>, for its contribution and deadline row.</summary>
    private sealed record Assessed(ChildState State, DateTimeOffset At, RiskAssessment Assessment, IReadOnlyList<ReviewStatus> Reviews, DateTimeOffset? Deadline);

    /// <summary>
    /// The last step's assessment still holds now unless time changed something between the event's receipt and now;
    /// only then (rarely: the two are milliseconds apart) is the state assessed again.
    /// </summary>
    private Assessed Current(Step last, IReadOnlyList<ReviewStatus> lastReviews, DateTimeOffset now)
    {
        if (last.Deadline is not { } due || due > now)
        {
            return new Assessed(last.State, last.Contact.ReceivedAt, last.Assessment, lastReviews, last.Deadline);
        }

        var reviews = schedule.Evaluate(last.State, now);
        var assessment = engine.AssessChild(RiskFacts.ForChild(last.State, now, schedule, reviews));
        return new Assessed(last.State, now, assessment, reviews, RiskFacts.NextChange(last.State, now, schedule, reviews));
    }

    /// <summary>
    /// The new events with the ward contribution and the deadline of the state the last one leaves, and the pending notices
    /// of its marks (<paramref name="notices"/>, null for a unit with none): one unit.
    /// </summary>
    private JournalWrite[] CommitWrites(List<Step> steps, Assessed current, DateTimeOffset now, List<Deadline>? notices, out WardEntry? contribution, out byte[]? contributionJson)
    {
        contribution = Contribution(current.State, now, current.Assessment, current.Reviews, out contributionJson);
        var writes = new JournalWrite[steps.Count];
        for (var k = 0; k < steps.Count; k++)
        {
            var step = steps[k];
            var isLast = k == steps.Count - 1;
            writes[k] = new JournalWrite(
                JournalRows.From(step.Contact, WardOf(step.State), step.State.Version),
                isLast && contribution is not null ? [contribution] : [],
                isLast ? WithNotices(DeadlineRows(current.Deadline), notices) : [],
                [],
                isLast ? WardDeparture.From(_publishedWard, contribution) ?? LeftByMark(steps, contribution, current.State) : null);
        }

        return writes;
    }

    /// <summary>
    /// The departure a unit writes when its mark took back the birth record that put the child in a ward: in the same
    /// commit as the mark, so a ward that reloads before (or after) hearing of it still refuses the child's older reports.
    /// Every other unit pays the null test on its contribution.
    /// </summary>
    private IReadOnlyList<WardDeparture>? LeftByMark(List<Step> steps, WardEntry? contribution, ChildState state) =>
        WardDeparture.Leaving(WardLeftByMark(steps, contribution), EntityKey, ContributionVersion(state));

    /// <summary>The ward a unit's mark takes the child out of: the one it was in, when the unit leaves it no contribution.</summary>
    private string? WardLeftByMark(List<Step> steps, WardEntry? contribution) =>
        contribution is null && _publishedWard is not null && steps.Exists(static s => s.Contact.Data is EnteredInError) ? _publishedWard : null;

    /// <summary>Takes on the state the committed events leave and tells the ward and the family.</summary>
    private void Committed(List<Step> steps, Assessed current, WardEntry? contribution, byte[]? contributionJson, ContactReceipt?[] receipts)
    {
        foreach (var step in steps)
        {
            // As a replay: time passes under the state before the event up to its receipt, then the event is observed
            // there with its own assessment (and the timeline's next question answered from its own next change).
            var at = step.Contact.ReceivedAt;
            _timeline.AdvanceTo(at);
            _state = step.State;
            _committed = (step.State, at, step.Deadline);
            _timeline.Observe(at, step.Contact.EventId, step.Assessment);
            receipts[step.Index] = new ContactReceipt(step.Contact.EventId, ReceiptStatus.Accepted, step.State.Version, []);
        }

        _committed = (current.State, current.At, current.Deadline);
        Publish(contribution, contributionJson);
        NotifyOthers(steps);
    }

    private static Deadline[] WithNotices(Deadline[] rows, List<Deadline>? notices) => notices is null ? rows : [.. rows, .. notices];

    private Deadline[] DeadlineRows(DateTimeOffset? deadline) =>
        _committed is { } committed && deadline == committed.Deadline ? [] : [new Deadline(EntityKey, deadline)];

    private static bool HasReview(IReadOnlyList<ReviewStatus> reviews, MandatedReview review)
    {
        for (var i = 0; i < reviews.Count; i++)
        {
            if (reviews[i].Review == review)
            {
                return true;
            }
        }

        return false;
    }

    private static int Overdue(IReadOnlyList<ReviewStatus> reviews)
    {
        var count = 0;
        foreach (var review in reviews)
        {
            if (review.Status == ReviewState.Overdue)
            {
                count++;
            }
        }

        return count;
    }

    public Task<ChildRiskView> GetRiskAsync()
    {
        var now = time.GetUtcNow();
        _timeline.AdvanceTo(now);
        return Task.FromResult(View(now));
    }

    public async Task TickAsync()
    {
        var now = time.GetUtcNow();
        _timeline.AdvanceTo(now);
        var contribution = Contribution(_state, now, out var json);
        var deadline = RiskFacts.NextChange(_state, now, schedule);
        await journal.AppendAsync(new JournalWrite(
            null,
            contribution is null || Fingerprint(json) == _publishedContribution ? [] : [contribution],
            [new Deadline(EntityKey, deadline)],
            []));
        _committed = (_state, now, deadline);
        Publish(contribution, json);
        if (_state.FamilyId is { } familyId)
        {
            _ = GrainFactory.For<IFamilyGrain>(familyId).TickAsync();
        }
    }

    public async Task<WardContribution?> RewriteWardEntryAsync()
    {
        var now = time.GetUtcNow();
        _timeline.AdvanceTo(now);
        var entry = Contribution(_state, now, out var json);
        if (entry is null || json is null)
        {
            return null;
        }

        // Written whether or not it is the one last handed to the feed: the journal's copy is the one of other rules.
        await journal.AppendAsync(new JournalWrite(null, [entry], [], []));
        Publish(entry, json);
        return new WardContribution(entry.EntryKey, entry.WardCode, ContributionKind.Child, entry.Version, json);
    }

    public Task<WardContribution?> GetContributionAsync()
    {
        var entry = Contribution(_state, time.GetUtcNow(), out var json);
        return Task.FromResult(entry is null || json is null
            ? null
            : new WardContribution(entry.EntryKey, entry.WardCode, ContributionKind.Child, entry.Version, json));
    }

    public async Task FamilyWardChangedAsync(FamilyWard ward)
    {
        ArgumentNullException.ThrowIfNull(ward);
        if (!string.Equals(ward.FamilyId, _state.FamilyId, StringComparison.Ordinal) ||
            (_familyWard is { } known && string.Equals(known.FamilyId, ward.FamilyId, StringComparison.Ordinal) && known.FamilyVersion >= ward.FamilyVersion))
        {
            return;
        }

        var before = WardOf(_state);
        _familyWard = ward;
        if (string.Equals(WardOf(_state), before, StringComparison.Ordinal))
        {
            return;
        }

        // Saved at once, as a family's move is: until the journal's entry names the new ward, the ward the child left
        // would take it back on reloading. The contribution's version is higher than any it reported before (see
        // ContributionVersion), so the ward it left drops it and no older report brings it back.
        var contribution = Contribution(_state, time.GetUtcNow(), out var json);
        if (contribution is null)
        {
            return;
        }

        try
        {
            // With the departure, as every move is written: a ward reloaded after the child left still refuses its older reports.
            await journal.AppendAsync(new JournalWrite(null, [contribution], [], [], WardDeparture.From(_publishedWard, contribution)));
        }
        catch
        {
            // Memory would name a ward the journal does not: start again from the journal and the family.
            DeactivateOnIdle();
            throw;
        }

        Publish(contribution, json);
    }

    /// <summary>Asks the family the child names for its ward, unless the child already knows it.</summary>
    private async Task LearnFamilyWardAsync(ChildState state)
    {
        if (state.FamilyId is { } familyId && !string.Equals(_familyWard?.FamilyId, familyId, StringComparison.Ordinal))
        {
            var ward = await GrainFactory.For<IFamilyGrain>(familyId).GetWardAsync();

            // A notice may have brought a newer one while the question was out.
            if (!string.Equals(_familyWard?.FamilyId, familyId, StringComparison.Ordinal) || _familyWard!.FamilyVersion < ward.FamilyVersion)
            {
                _familyWard = ward;
            }
        }
    }

    /// <summary>
    /// The ward the child counts in: its family's, as the latest event of the family's gave it, unless the child's own birth
    /// record is later still (the family will take that ward from it too). A child with no birth record counts nowhere, as
    /// before; a child with no family, or whose family has no ward yet, counts in its birth record's ward.
    /// </summary>
    /// <remarks>
    /// Ordered by the events' own instants (then ids), not by arrival, so late and repeated events and a rebuild from the
    /// journal end in the same ward: a birth record synced after the family's move but dated before it leaves the child
    /// where the family went.
    /// </remarks>
    private string? WardOf(ChildState state)
    {
        if (state.WardCode is not { } own)
        {
            return null;
        }

        return _familyWard is { WardCode: { } family } known &&
            string.Equals(known.FamilyId, state.FamilyId, StringComparison.Ordinal) &&
            EventOrder.Compare(known.At, known.EventId, state.Ward!.At, state.Ward.EventId) > 0
            ? family
            : own;
    }

    /// <summary>
    /// The contribution's version: the child's events in the high half, the version of its family's ward it follows in the
    /// low half. A move of the family raises it with no event of the child's, so the ward left behind can tell the report
    /// that moved the child from older ones; a child event raises it whatever family it names next.
    /// </summary>
    private long ContributionVersion(ChildState state) =>
        ((long)state.Version << 32) |
        (uint)(_familyWard is { } known && string.Equals(known.FamilyId, state.FamilyId, StringComparison.Ordinal) ? known.FamilyVersion : 0);

    private RiskTimeline NewTimeline() => new(this);

    RiskAssessment IRiskSubject.Assess(DateTimeOffset at) => engine.AssessChild(RiskFacts.ForChild(_state, at, schedule));

    DateTimeOffset? IRiskSubject.NextChange(DateTimeOffset at) =>
        _committed is { } committed && ReferenceEquals(committed.State, _state) && committed.At == at
            ? committed.Deadline
            : RiskFacts.NextChange(_state, at, schedule);

    TimeChanges IRiskSubject.ChangesAt(DateTimeOffset at) => RiskFacts.ChangesAt(_state, at, schedule);

    private ChildRiskView View(DateTimeOffset now)
    {
        var assessment = engine.AssessChild(RiskFacts.ForChild(_state, now, schedule));
        return RiskViews.Child(_state, assessment, schedule.Evaluate(_state, now), _timeline.History);
    }

    private WardEntry? Contribution(ChildState state, DateTimeOffset now, out byte[]? json) =>
        Contribution(state, now, engine.AssessChild(RiskFacts.ForChild(state, now, schedule)), schedule.Evaluate(state, now), out json);

    private WardEntry? Contribution(ChildState state, DateTimeOffset now, RiskAssessment assessment, IReadOnlyList<ReviewStatus> reviews, out byte[]? json)
    {
        json = null;
        if (WardOf(state) is not { } ward)
        {
            return null;
        }

        // Days in the programme's calendar, as the review statuses beside them are.
        var calendar = schedule.Calendar;
        var today = calendar.DayOf(now);
        DateOnly? Day(DateTimeOffset? at) => at is { } instant ? calendar.DayOf(instant) : null;
        // The review dates the schedule shows (the indicators count what the child's own schedule counts: a contact
        // recorded before a review's earliest day, or an antenatal contact dated the day of birth or later, is not that review), else the
        // first recorded where no window can be placed.
        DateOnly? Done(MandatedReview review)
        {
            for (var i = 0; i < reviews.Count; i++)
            {
                if (reviews[i].Review == review)
                {
                    return reviews[i].CompletedOn;
                }
            }

            return state.DateOfBirth is null ? Day(state.FirstCompletionAt(review)) : null;
        }

        // Born with no antenatal window listed: it never opened (born before 28 weeks), so C1 does not count the child.
        var noAntenatalOwed = state.DateOfBirth is not null && !HasReview(reviews, MandatedReview.Antenatal) && !HealthyChildProgramme.HasLeft(state, today);
        var asq3On = schedule.FirstAsq3On(state);

        var value = new ChildContribution(
            state.ChildId,
            state.FamilyId,
            ward,
            state.KnownFromBirthRecord,
            state.DateOfBirth,
            state.ExpectedDueDate,
            state.GestationAtBooking,
            Done(MandatedReview.Antenatal),
            Done(MandatedReview.NewBirth),
            Done(MandatedReview.SixToEightWeek),
            Done(MandatedReview.OneYear),
            Done(MandatedReview.TwoYear),
            asq3On is not null,
            Day(state.FirstCentreRegistrationAt),
            Day(state.LastSeenByCentreAt),
            assessment.Score,
            assessment.SuggestedLevel.ToWireName(),
            reviews.Where(r => r.Status == ReviewState.Overdue).Select(r => r.Review.ToWireName()).ToArray(),
            _services.Snapshot(today),
            state.AeAttendancesSince(calendar.StartOfMonthsEndingOn(today, RiskFacts.RecentMonths)),
            RiskViews.IsSynthetic(state.FamilyId),
            asq3On,
            noAntenatalOwed,
            assessment.RulesVersion);
        json = ContributionJson.Serialize(value);
        return new WardEntry(EntityKey, ward, "child", ContributionVersion(state), json);
    }

    private void Publish(WardEntry? entry, byte[]? json)
    {
        var fingerprint = Fingerprint(json);
        if (entry is null || json is null || fingerprint == _publishedContribution)
        {
            return;
        }

        _publishedContribution = fingerprint;

        // A child that moved (its family did, or its birth record was corrected) is reported to the ward it left as well,
        // which lets go of it at once.
        feed.Publish(new WardContribution(entry.EntryKey, entry.WardCode, ContributionKind.Child, entry.Version, json), _publishedWard);
        _publishedWard = entry.WardCode;
    }

    // The journal's content hash of UTF-8 JSON, not a second one written here.
    private static int? Fingerprint(byte[]? json) => json is null ? null : new Utf8Json(json).GetHashCode();

    private void NotifyOthers(List<Step> steps)
    {
        // One-way messages: the events are already durable, and none of these grains calls a child back.
        // Services are not told per event: a service's summary reads the journal rows it recorded.
        // A family hears once per unit (a child's events normally all name the same family).
        using (NoticeScope.Begin())
        {
            var familyId = steps[0].Contact.FamilyId;
            if (familyId is not null && steps.TrueForAll(s => s.Contact.FamilyId == familyId))
            {
                TellFamily(familyId, steps);
            }
            else
            {
                foreach (var family in steps.Where(s => s.Contact.FamilyId is not null).GroupBy(s => s.Contact.FamilyId!, StringComparer.Ordinal))
                {
                    TellFamily(family.Key, family.ToList());
                }
            }

            foreach (var step in steps)
            {
                if (RiskViews.ChampionOf(step.Contact) is { } champion)
                {
                    _ = GrainFactory.For<IChampionGrain>(champion).ContactRecordedAsync(step.Contact);
                }
            }
        }
    }

    private void TellFamily(string familyId, List<Step> told) =>
        _ = GrainFactory.For<IFamilyGrain>(familyId).ApplyChildEventsAsync(
            told.ConvertAll(s => s.Contact).ToArray(),
            told.ConvertAll(s => new ChildAssessed(s.State.Version, s.Contact.ReceivedAt, s.Deadline, s.Assessment, s.Overdue)).ToArray());
}
