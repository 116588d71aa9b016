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

    // The deadline row as this child last committed it. Only the child writes its row, so an unchanged
    // deadline need not be written again with every event.
    private DateTimeOffset? _committedDeadline;
    private bool _deadlineKnown;

    // Read once: GetPrimaryKeyString decodes the grain id into a new string on every call.
    private string ChildId => field ??= this.GetPrimaryKeyString();

    // Not kept: a live child should stay small, and the key is needed once or twice per event.
    private string EntityKey => "child:" + ChildId;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var rows = await journal.ReadEventsAsync(EventQuery.ForChild(ChildId), cancellationToken);
        _state = new ChildState(ChildId);
        _services = new ServiceTallies();
        _timeline = NewTimeline();
        foreach (var row in rows)
        {
            // As live: time passes under the state before the event, then the event is observed.
            var contact = ContactEventJson.Deserialize(row.Payload);
            _timeline.AdvanceTo(contact.ReceivedAt);
            _state = _state.Apply(contact);
            _services.Add(contact);
            _timeline.Observe(contact.ReceivedAt, contact.EventId);
        }

        _timeline.AdvanceTo(time.GetUtcNow());
        _publishedContribution = null;
        logger.LogDebug("Child {ChildId} activated from {Count} events", ChildId, rows.Count);
    }

    public async Task<ContactReceipt> RecordAsync(ContactEvent contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        if (!string.Equals(contact.ChildId, ChildId, StringComparison.Ordinal))
        {
            return ContactReceipt.Rejected(contact.EventId, [new FieldProblem("childId", "the event is for another child")]);
        }

        var next = _state.Apply(contact);
        if (next.Version == _state.Version)
        {
            return await journal.DuplicateReceiptAsync(contact.EventId, _state.Version);
        }

        var now = time.GetUtcNow();

        // The contribution written with the event must already count the event's own contact. If the
        // append turns out to be a duplicate, the tallies are rebuilt from the journal.
        _services.Add(contact);

        // The reviews are evaluated once and feed the risk, the ward contribution and the next deadline.
        var reviews = schedule.Evaluate(next, now);
        var assessment = engine.AssessChild(RiskFacts.ForChild(next, now, schedule, reviews));
        var contribution = Contribution(next, now, assessment, reviews, out var contributionJson);
        var deadline = RiskFacts.NextChange(next, now, reviews);
        var write = new JournalWrite(
            JournalRows.From(contact, next.WardCode, next.Version),
            contribution is null ? [] : [contribution],
            DeadlineRows(deadline),
            []);
        var appended = await journal.AppendAsync(write);
        if (!appended.Inserted)
        {
            await RebuildTalliesAsync();
            return await journal.DuplicateReceiptAsync(contact.EventId, _state.Version);
        }

        _timeline.AdvanceTo(now);
        _state = next;
        Committed(deadline);
        _timeline.Observe(now, contact.EventId, assessment);
        Publish(contribution, contributionJson);
        NotifyOthers(contact, new ChildAssessed(next.Version, now, deadline, assessment, Overdue(reviews)));
        return new ContactReceipt(contact.EventId, ReceiptStatus.Accepted, next.Version, []);
    }

    private Deadline[] DeadlineRows(DateTimeOffset? deadline) =>
        _deadlineKnown && deadline == _committedDeadline ? [] : [new Deadline(EntityKey, deadline)];

    private void Committed(DateTimeOffset? deadline)
    {
        _committedDeadline = deadline;
        _deadlineKnown = true;
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

    private async Task RebuildTalliesAsync()
    {
        _services = new ServiceTallies();
        foreach (var row in await journal.ReadEventsAsync(EventQuery.ForChild(ChildId)))
        {
            _services.Add(ContactEventJson.Deserialize(row.Payload));
        }
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
        Committed(deadline);
        Publish(contribution, json);
        if (_state.FamilyId is { } familyId)
        {
            _ = GrainFactory.GetGrain<IFamilyGrain>(familyId).TickAsync();
        }
    }

    public Task<WardContribution?> GetContributionAsync()
    {
        var entry = Contribution(_state, time.GetUtcNow(), out var json);
        return Task.FromResult(entry is null || json is null
            ? null
            : new WardContribution(entry.EntryKey, entry.WardCode, ContributionKind.Child, entry.Version, json));
    }

    private RiskTimeline NewTimeline() => new(this);

    RiskAssessment IRiskSubject.Assess(DateTimeOffset at) => engine.AssessChild(RiskFacts.ForChild(_state, at, schedule));

    DateTimeOffset? IRiskSubject.NextChange(DateTimeOffset at) => RiskFacts.NextChange(_state, at, schedule);

    private ChildRiskView View(DateTimeOffset now)
    {
        var assessment = engine.AssessChild(RiskFacts.ForChild(_state, now, schedule));
        return RiskViews.Child(_state, assessment, schedule.Evaluate(_state, now), _timeline.History);
    }

    private WardEntry? Contribution(ChildState state, DateTimeOffset now, out string? json) =>
        Contribution(state, now, engine.AssessChild(RiskFacts.ForChild(state, now, schedule)), schedule.Evaluate(state, now), out json);

    private WardEntry? Contribution(ChildState state, DateTimeOffset now, RiskAssessment assessment, IReadOnlyList<ReviewStatus> reviews, out string? json)
    {
        json = null;
        if (state.WardCode is not { } ward)
        {
            return null;
        }

        var today = DateOnly.FromDateTime(now.UtcDateTime);
        DateOnly? Done(MandatedReview review) => state.FirstCompletion(review) is { } r ? DateOnly.FromDateTime(r.At.UtcDateTime) : null;
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
            state.LatestAsq3() is not null,
            state.CentreRegistrations.IsEmpty ? null : DateOnly.FromDateTime(state.CentreRegistrations[0].At.UtcDateTime),
            state.LastSeenByCentre is { } seen ? DateOnly.FromDateTime(seen.At.UtcDateTime) : null,
            assessment.Score,
            assessment.SuggestedLevel.ToWireName(),
            reviews.Where(r => r.Status == ReviewState.Overdue).Select(r => r.Review.ToWireName()).ToArray(),
            _services.Snapshot(today),
            state.AeAttendances.Count(a => a.At > now.AddYears(-1)),
            RiskViews.IsSynthetic(state.FamilyId));
        json = ContributionJson.Serialize(value);
        return new WardEntry(EntityKey, ward, "child", state.Version, json);
    }

    private void Publish(WardEntry? entry, string? json)
    {
        var fingerprint = Fingerprint(json);
        if (entry is null || json is null || fingerprint == _publishedContribution)
        {
            return;
        }

        _publishedContribution = fingerprint;
        feed.Publish(new WardContribution(entry.EntryKey, entry.WardCode, ContributionKind.Child, entry.Version, json));
    }

    private static int? Fingerprint(string? json) => json is null ? null : StringComparer.Ordinal.GetHashCode(json);

    private void NotifyOthers(ContactEvent contact, ChildAssessed assessed)
    {
        // One-way messages: the event is already durable, and none of these grains calls a child back.
        // Services are not told per event: a service's summary reads the journal rows it recorded.
        if (contact.FamilyId is { } familyId)
        {
            _ = GrainFactory.GetGrain<IFamilyGrain>(familyId).ApplyChildEventAsync(contact, assessed);
        }

        if (RiskViews.ChampionOf(contact) is { } champion)
        {
            _ = GrainFactory.GetGrain<IChampionGrain>(champion).ContactRecordedAsync(contact);
        }

    }
}
