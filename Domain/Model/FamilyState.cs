using System.Text.Json;
using System.Text.Json.Serialization;
using QpActors.Domain.Events;

namespace QpActors.Domain.Model;

/// <summary>
/// What the early intervention team and the rules need to know about one family, folded from every
/// event that carries its family id.
/// </summary>
/// <remarks>
/// <para>
/// Which events reach this state: every event with this <c>familyId</c>, child events included. A
/// child event adds its child id to <see cref="ChildIds"/>; its family-level content counts here too
/// (a <c>concern-raised</c> at a child's visit is still a family concern; a <c>birth-notified</c>
/// sets the family's ward; a child's <c>session-attended</c> is the family's attendance). Child
/// specifics (reviews, immunisations, A&amp;E) live in <see cref="ChildState"/>.
/// </para>
/// <para>
/// <see cref="Apply"/> is commutative and idempotent, as for <see cref="ChildState"/>: events are
/// remembered by id, lists are sorted by (occurredAt, eventId), single values are "latest wins"
/// registers, members are "latest wins" per member id, a concern is open exactly when a raise came
/// after every resolution, and the history keeps the 50 latest entries of the set.
/// </para>
/// <para>
/// The setters are private and used only by <see cref="Apply"/>, on the copy it is about to return: a state never
/// changes once it has been handed out.
/// </para>
/// </remarks>
public sealed record FamilyState
{
    /// <summary>How many entries <see cref="RecentHistory"/> keeps.</summary>
    public const int HistoryLength = 50;

    private static readonly JsonSerializerOptions CanonicalOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public FamilyState(string familyId)
    {
        ArgumentException.ThrowIfNullOrEmpty(familyId);
        FamilyId = familyId;
    }

    public string FamilyId { get; }

    [JsonInclude]
    public Stamped<string>? Ward { get; private set; }

    [JsonInclude]
    public Stamped<Housing>? Housing { get; private set; }

    [JsonInclude]
    public Stamped<bool>? YoungParent { get; private set; }

    [JsonInclude]
    public Stamped<bool>? GpRegistered { get; private set; }

    /// <summary>Members by member id; a later record of a member changes its role. Nobody is removed.</summary>
    [JsonInclude]
    public ValueList<MemberRecord> Members { get; private set; }

    [JsonInclude]
    public ValueList<string> ChildIds { get; private set; }

    /// <summary>Every concern ever raised or resolved, by concern.</summary>
    [JsonInclude]
    public ValueList<ConcernRecord> Concerns { get; private set; }

    /// <summary>Champions who reached the family, by champion id.</summary>
    [JsonInclude]
    public ValueList<ChampionLink> Champions { get; private set; }

    /// <summary>The service level a practitioner set (never the engine's suggestion).</summary>
    [JsonInclude]
    public Stamped<LevelDecision>? SetLevel { get; private set; }

    [JsonInclude]
    public ValueList<SurveyRecord> Surveys { get; private set; }

    /// <summary>Sessions attended by the family or any of its children; <see cref="Occurrence.Detail"/> is the session.</summary>
    [JsonInclude]
    public ValueList<Occurrence> SessionsAttended { get; private set; }

    /// <summary>
    /// The sessions among <see cref="SessionsAttended"/> that name no child: the family's own drop-ins (a parent at the
    /// maternity drop-in). A session naming a child is that child's, and counts for the child (risk-rules.v2).
    /// </summary>
    [JsonInclude]
    public ValueList<Occurrence> DropInsAttended { get; private set; }

    /// <summary>The <see cref="HistoryLength"/> latest events, oldest first.</summary>
    [JsonInclude]
    public ValueList<HistoryEntry> RecentHistory { get; private set; }

    /// <summary>The marks of events entered in error, by marked event (<see cref="MarksInError"/>); the marked events count for nothing.</summary>
    [JsonInclude]
    public ValueList<MarkRecord> MarkedInError { get; private set; }

    /// <summary>
    /// True when a mark arrived after the event it marks: the state cannot take the event back, so its owner folds the
    /// family again from its events (<see cref="Fold"/>). Not part of the content: a rebuilt state never needs one.
    /// </summary>
    [JsonIgnore]
    public bool NeedsRebuild { get; private set; }

    [JsonInclude]
    public ValueList<string> EventIds { get; private set; }

    [JsonIgnore]
    public int Version => EventIds.Count;

    [JsonIgnore]
    public string? WardCode => Ward?.Value;

    [JsonIgnore]
    public IReadOnlyList<OpenConcern> OpenConcerns =>
        Concerns.Where(c => c.IsOpen)
            .Select(c => new OpenConcern(c.Concern, c.OpenRaises[0].At, c.OpenRaises.Select(r => r.EventId).ToArray()))
            .ToArray();

    /// <summary>Folds one event for this family. Applying an event twice, or in any order, gives the same state.</summary>
    /// <exception cref="ArgumentException">The event is not about this family.</exception>
    public FamilyState Apply(ContactEvent contactEvent)
    {
        ArgumentNullException.ThrowIfNull(contactEvent);
        if (!string.Equals(contactEvent.FamilyId, FamilyId, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Event {contactEvent.EventId} is for family '{contactEvent.FamilyId}', not '{FamilyId}'.", nameof(contactEvent));
        }

        var ids = EventIds.InsertSorted(contactEvent.EventId, StringComparer.Ordinal);
        if (ids.Count == EventIds.Count)
        {
            return this;
        }

        // An event already marked in error keeps its id (a repeat is still a duplicate, the version still moves) and
        // counts for nothing else: no history entry, no child, no record. Only a family holding marks pays the test.
        if (!MarkedInError.IsEmpty && MarksInError.IsMarked(MarkedInError, contactEvent))
        {
            return this with { EventIds = ids };
        }

        var at = contactEvent.OccurredAt;
        var id = contactEvent.EventId;

        // One copy of the state and of the history per event, filled in here before anyone else can see it: a typed event
        // used to copy the state twice, and a full history was copied with the new entry and again without its oldest.
        var next = this with
        {
            EventIds = ids,
            RecentHistory = RecentHistory.InsertSortedKeepingLast(
                new HistoryEntry(at, contactEvent.Type, id, contactEvent.RecordedBy, contactEvent.Practitioner, contactEvent.PractitionerName), ByTime<HistoryEntry>.Instance, HistoryLength),
            // A mark names the marked event's child to reach it; the child is the family's only through its own events.
            ChildIds = contactEvent.ChildId is { } childId && contactEvent.Data is not EnteredInError ? ChildIds.InsertSorted(childId, StringComparer.Ordinal) : ChildIds,
        };

        switch (contactEvent.Data)
        {
            case FamilyRegistered registered:
                next.TakeDetails(registered.WardCode, registered.Housing, registered.YoungParent, registered.GpRegistered, registered.Members, at, id);
                break;
            case FamilyDetailsChanged changed:
                next.TakeDetails(changed.WardCode, changed.Housing, changed.YoungParent, changed.GpRegistered, changed.Members, at, id);
                break;
            case BirthNotified birth:
                next.Ward = Stamped<string>.Latest(Ward, new(birth.WardCode, at, id));
                break;
            case ConcernRaised raised:
                next.Concerns = UpdateConcern(Concerns, raised.Concern, c => c.Raise(new(at, id)));
                break;
            case ConcernResolved resolved:
                next.Concerns = UpdateConcern(Concerns, resolved.Concern, c => c.Resolve(new(at, id)));
                break;
            case ChampionOutreach outreach:
                next.Champions = AddOutreach(Champions, outreach, new(at, id, outreach.SignpostedTo));
                break;
            case SurveyCompleted survey:
                next.Surveys = Surveys.InsertSorted(
                    new(at, id, survey.ChampionId, new ValueList<ServiceScore>(survey.Satisfaction.Select(p => new ServiceScore(p.Key, p.Value)))),
                    ByTime<SurveyRecord>.Instance);
                break;
            case SessionAttended session:
                next.SessionsAttended = SessionsAttended.InsertSorted(new(at, id, session.Session), ByTime<Occurrence>.Instance);
                if (contactEvent.ChildId is null)
                {
                    next.DropInsAttended = DropInsAttended.InsertSorted(new(at, id, session.Session), ByTime<Occurrence>.Instance);
                }

                break;
            case ServiceLevelSet level:
                next.SetLevel = Stamped<LevelDecision>.Latest(SetLevel, new(new(level.Level, level.Reason, contactEvent.RecordedBy, contactEvent.Practitioner, contactEvent.PractitionerName), at, id));
                break;
            case EnteredInError mark:
                next.MarkedInError = MarksInError.Add(MarkedInError, MarksInError.Record(contactEvent, mark));
                next.NeedsRebuild = NeedsRebuild || System.Collections.Immutable.ImmutableArray.BinarySearch(EventIds.AsImmutableArray(), mark.EventId, StringComparer.Ordinal) >= 0;
                break;
        }

        return next;
    }

    /// <summary>
    /// Rebuilds a family from its events; events for other families are skipped. Marks are applied first, so every event
    /// they mark arrives already marked and the result needs no rebuild.
    /// </summary>
    public static FamilyState Fold(string familyId, IEnumerable<ContactEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var state = new FamilyState(familyId);
        foreach (var contactEvent in MarksInError.MarksFirst(events, e => string.Equals(e.FamilyId, familyId, StringComparison.Ordinal)))
        {
            state = state.Apply(contactEvent);
        }

        // Only a mark of a mark (never honoured) can have asked for a rebuild among the marks applied first.
        return state.NeedsRebuild ? state with { NeedsRebuild = false } : state;
    }

    /// <summary>A stable JSON form: equal states give equal text (every list is kept sorted).</summary>
    public string ToCanonicalJson() => JsonSerializer.Serialize(this, CanonicalOptions);

    public static FamilyState FromCanonicalJson(string json) =>
        JsonSerializer.Deserialize<FamilyState>(json, CanonicalOptions)
        ?? throw new FormatException("Not a family state.");

    /// <summary>Takes a registration's or a change's details into the state being built by <see cref="Apply"/>.</summary>
    private void TakeDetails(
        string? ward, Housing? housing, bool? youngParent, bool? gpRegistered, ValueList<FamilyMember>? members, DateTimeOffset at, string id)
    {
        var members2 = Members;
        foreach (var member in members ?? ValueList<FamilyMember>.Empty)
        {
            var candidate = new MemberRecord(member.MemberId, member.Role, at, id);
            var index = members2.IndexOf(m => m.MemberId == member.MemberId);
            members2 = index < 0
                ? members2.InsertSorted(candidate, ByMemberId.Instance)
                : EventOrder.IsLater(candidate, members2[index]) ? members2.SetItem(index, candidate) : members2;
        }

        Ward = ward is null ? Ward : Stamped<string>.Latest(Ward, new(ward, at, id));
        Housing = housing is null ? Housing : Stamped<Housing>.Latest(Housing, new(housing.Value, at, id));
        YoungParent = youngParent is null ? YoungParent : Stamped<bool>.Latest(YoungParent, new(youngParent.Value, at, id));
        GpRegistered = gpRegistered is null ? GpRegistered : Stamped<bool>.Latest(GpRegistered, new(gpRegistered.Value, at, id));
        Members = members2;
    }

    private static ValueList<ConcernRecord> UpdateConcern(
        ValueList<ConcernRecord> concerns, Concern concern, Func<ConcernRecord, ConcernRecord> change)
    {
        var index = concerns.IndexOf(c => c.Concern == concern);
        return index < 0
            ? concerns.InsertSorted(change(new ConcernRecord(concern, ValueList<Occurrence>.Empty, null)), ByConcern.Instance)
            : concerns.SetItem(index, change(concerns[index]));
    }

    private static ValueList<ChampionLink> AddOutreach(ValueList<ChampionLink> champions, ChampionOutreach outreach, Occurrence occurrence)
    {
        var index = champions.IndexOf(c => c.ChampionId == outreach.ChampionId);
        return index < 0
            ? champions.InsertSorted(
                new ChampionLink(outreach.ChampionId, ValueList<Occurrence>.Empty.Add(occurrence)), ByChampionId.Instance)
            : champions.SetItem(index, champions[index] with
            {
                Outreaches = champions[index].Outreaches.InsertSorted(occurrence, ByTime<Occurrence>.Instance),
            });
    }

    private sealed class ByMemberId : IComparer<MemberRecord>
    {
        public static readonly ByMemberId Instance = new();

        public int Compare(MemberRecord? x, MemberRecord? y) => string.CompareOrdinal(x?.MemberId, y?.MemberId);
    }

    private sealed class ByConcern : IComparer<ConcernRecord>
    {
        public static readonly ByConcern Instance = new();

        public int Compare(ConcernRecord? x, ConcernRecord? y) => (x?.Concern ?? 0).CompareTo(y?.Concern ?? 0);
    }

    private sealed class ByChampionId : IComparer<ChampionLink>
    {
        public static readonly ByChampionId Instance = new();

        public int Compare(ChampionLink? x, ChampionLink? y) => string.CompareOrdinal(x?.ChampionId, y?.ChampionId);
    }
}
