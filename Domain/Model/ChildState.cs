using System.Text.Json;
using System.Text.Json.Serialization;
using QpActors.Domain.Events;

namespace QpActors.Domain.Model;

/// <summary>
/// What the rules, the review schedule and the figures need to know about one child, folded from
/// the events that carry its child id.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Apply"/> is commutative and idempotent: any order of a set of events, with any
/// duplicates, ends in an equal state. Each part is built to make that so: events are remembered
/// by id; lists are kept sorted by (occurredAt, eventId); single values are "latest wins" registers
/// under that same order; a referral's answer outranks the referral. A late-arriving event is
/// therefore just applied; nothing is replayed.
/// </para>
/// <para>
/// Only dates, short ids and details the rules use are kept (not whole events), and they are kept
/// compactly, because every live child holds one: event ids are packed into one
/// <see cref="EventIdTable"/> and records name their event by its position there; records are
/// structs in arrays with instants as UTC ticks and an offset. The public records
/// (<see cref="Reviews"/>, <see cref="MissedAppointments"/>...) are built from them on read; the rules'
/// own hot paths read the compact form through internal members.
/// </para>
/// <para>
/// Equality compares content, not layout: the table's order follows arrival order, so two folds of
/// the same events in different orders hold the same ids at different positions. Two states are
/// equal when their canonical JSON (every list sorted, ids spelled out) is equal.
/// </para>
/// <para>
/// Which events reach this state: every event whose <c>childId</c> is this child. Family-level
/// data on such an event (a concern raised at a child's visit) counts here only in
/// <see cref="Version"/>; <see cref="FamilyState"/> holds it.
/// </para>
/// </remarks>
public sealed record ChildState
{
    private static readonly JsonSerializerOptions CanonicalOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private EventIdTable _ids;
    private int _count;
    private string? _family;
    private Stamp _familyStamp;
    private string? _ward;
    private Anchor _birth;
    private Anchor _booking;
    private ChildEntry[] _reviews = [];
    private ChildEntry[] _missed = [];
    private ChildEntry[] _ae = [];
    private ChildEntry[] _immunisations = [];
    private ChildEntry[] _centre = [];
    private ChildEntry[] _sessions = [];
    private ReferralEntry[] _referrals = [];

    // Null unless an entered-in-error mark reached this child (rare): the common path pays one null test.
    private Marks? _marks;

    public ChildState(string childId)
    {
        ArgumentException.ThrowIfNullOrEmpty(childId);
        ChildId = childId;
    }

    public string ChildId { get; }

    /// <summary>The family of the latest event that named one.</summary>
    public Stamped<string>? Family => _family is null ? null : new(_family, _familyStamp.At, _ids.Get(_familyStamp.EventId));

    /// <summary>The ward of the birth record.</summary>
    public Stamped<string>? Ward => _ward is null ? null : new(_ward, _birth.At, _birth.EventId!);

    public Stamped<AntenatalBooking>? Booking =>
        _booking.EventId is null ? null : new(new(_booking.Date, _booking.Number), _booking.At, _booking.EventId);

    public Stamped<DateOnly>? Birth => _birth.EventId is null ? null : new(_birth.Date, _birth.At, _birth.EventId);

    /// <summary>Every recorded review, sorted by (occurredAt, eventId). Built on read.</summary>
    public ValueList<ReviewRecord> Reviews => Build(_reviews, ToReview);

    /// <summary>"Was not brought" appointments; <see cref="Occurrence.Detail"/> is the service. Built on read.</summary>
    public ValueList<Occurrence> MissedAppointments => Build(_missed, ToOccurrence);

    public ValueList<Occurrence> AeAttendances => Build(_ae, ToOccurrence);

    public ValueList<ImmunisationRecord> Immunisations => Build(_immunisations, ToImmunisation);

    /// <summary>Registrations with the children's centre; <see cref="Occurrence.Detail"/> is the centre, if given.</summary>
    public ValueList<Occurrence> CentreRegistrations => Build(_centre, ToOccurrence);

    /// <summary>Sessions this child attended; <see cref="Occurrence.Detail"/> is the session.</summary>
    public ValueList<Occurrence> SessionsAttended => Build(_sessions, ToOccurrence);

    /// <summary>One entry per referral id, sorted by referral id.</summary>
    public ValueList<ReferralRecord> Referrals => Build(_referrals, ToReferral);

    /// <summary>Ids of every event applied, sorted ordinally: the idempotence check and the version.</summary>
    public ValueList<string> EventIds
    {
        get
        {
            var ids = _ids.All();
            ids.Sort(StringComparer.Ordinal);
            return new(ids);
        }
    }

    /// <summary>The marks of events entered in error, by marked event (<see cref="MarksInError"/>).</summary>
    public ValueList<MarkRecord> MarkedInError => _marks?.Records ?? ValueList<MarkRecord>.Empty;

    /// <summary>
    /// True when a mark arrived after the event it marks: the compact state cannot take the event back, so its owner folds
    /// the child again from its events (<see cref="Fold"/>), which gives the state without it.
    /// </summary>
    public bool NeedsRebuild => _marks?.NeedsRebuild == true;

    /// <summary>Number of distinct events applied, marks and marked events included (each still holds its id).</summary>
    public int Version => _count;

    public string? FamilyId => _family;

    public string? WardCode => _ward;

    public DateOnly? ExpectedDueDate => _booking.EventId is null ? null : _booking.Date;

    public int? GestationAtBooking => _booking.EventId is null ? null : _booking.Number;

    // The schedule's anchors are read on every evaluation, so these two ids stay as text.
    public string? BookingEventId => _booking.EventId;

    public DateOnly? DateOfBirth => _birth.EventId is null ? null : _birth.Date;

    public string? BirthEventId => _birth.EventId;

    /// <summary>True once a birth record arrived: the child counts among the births the centre should reach.</summary>
    public bool KnownFromBirthRecord => _birth.EventId is not null;

    public bool RegisteredWithCentre => _centre.Length > 0;

    /// <summary>The latest centre registration or session attended.</summary>
    public Occurrence? LastSeenByCentre => LastCentreContact() is { } entry ? ToOccurrence(entry) : null;

    internal ReadOnlySpan<ChildEntry> MissedEntries => _missed;

    internal ReadOnlySpan<ChildEntry> AeEntries => _ae;

    internal ReadOnlySpan<ChildEntry> CentreEntries => _centre;

    internal ReadOnlySpan<ChildEntry> SessionEntries => _sessions;

    /// <summary>The id of the event behind an entry, as a new string.</summary>
    internal string EventIdOf(in ChildEntry entry) => _ids.Get(entry.EventId);

    /// <summary>The first time a review was recorded: a later repeat does not make an on-time review late.</summary>
    public ReviewRecord? FirstCompletion(MandatedReview review) => FirstReviewEntry(review) is { } entry ? ToReview(entry) : null;

    /// <summary>When <see cref="FirstCompletion"/> happened, without building the record (the ward contribution reads five per event).</summary>
    public DateTimeOffset? FirstCompletionAt(MandatedReview review) => FirstReviewEntry(review)?.At;

    /// <summary>The entry behind <see cref="FirstCompletion"/>, for readers in the domain that need only a part of it.</summary>
    internal ChildEntry? FirstReviewEntry(MandatedReview review)
    {
        foreach (var entry in _reviews)
        {
            if (entry.Kind == (byte)review)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// The first time a review was recorded at or after <paramref name="fromUtcTicks"/> and before
    /// <paramref name="untilUtcTicks"/>: the span in which a contact counts as the review (the schedule's rule,
    /// <c>ReviewWindows.Counted</c>).
    /// </summary>
    internal ChildEntry? FirstReviewEntry(MandatedReview review, long fromUtcTicks, long untilUtcTicks)
    {
        foreach (var entry in _reviews)
        {
            if (entry.Kind == (byte)review && entry.UtcTicks >= fromUtcTicks && entry.UtcTicks < untilUtcTicks)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>The latest 2-year review with ASQ-3 scores recorded in the span (as <see cref="FirstReviewEntry(MandatedReview, long, long)"/>).</summary>
    internal ReviewRecord? LatestAsq3(long fromUtcTicks, long untilUtcTicks)
    {
        for (var i = _reviews.Length - 1; i >= 0; i--)
        {
            if (_reviews[i] is { Kind: (byte)MandatedReview.TwoYear, Detail: Asq3Scores } entry && entry.UtcTicks >= fromUtcTicks && entry.UtcTicks < untilUtcTicks)
            {
                return ToReview(entry);
            }
        }

        return null;
    }

    /// <summary>When the first 2-year review with ASQ-3 scores in the span was recorded.</summary>
    internal DateTimeOffset? FirstAsq3At(long fromUtcTicks, long untilUtcTicks)
    {
        foreach (var entry in _reviews)
        {
            if (entry is { Kind: (byte)MandatedReview.TwoYear, Detail: Asq3Scores } && entry.UtcTicks >= fromUtcTicks && entry.UtcTicks < untilUtcTicks)
            {
                return entry.At;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether some 2-year review carried ASQ-3 scores (<see cref="LatestAsq3()"/> is not null), whenever recorded: the
    /// figures and the risk facts ask the schedule instead (<c>ReviewWindows.FirstAsq3On</c>, <c>LatestAsq3</c>), which
    /// counts only the review's own scores.
    /// </summary>
    public bool HasAsq3
    {
        get
        {
            foreach (var entry in _reviews)
            {
                if (entry is { Kind: (byte)MandatedReview.TwoYear, Detail: Asq3Scores })
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The first centre registration's instant, if any.</summary>
    public DateTimeOffset? FirstCentreRegistrationAt => _centre.Length == 0 ? null : _centre[0].At;

    /// <summary>The instant of <see cref="LastSeenByCentre"/>, without building the record.</summary>
    public DateTimeOffset? LastSeenByCentreAt => LastCentreContact()?.At;

    /// <summary>The later of the last centre registration and the last session (ties by event id, as everywhere).</summary>
    private ChildEntry? LastCentreContact() =>
        _centre.Length == 0 && _sessions.Length == 0 ? null
        : _sessions.Length == 0 || (_centre.Length > 0 && Compare(_centre[^1], _sessions[^1]) > 0) ? _centre[^1]
        : _sessions[^1];

    /// <summary>A&amp;E attendances at or after <paramref name="from"/> (the first instant of a period of days).</summary>
    public int AeAttendancesSince(DateTimeOffset from)
    {
        var start = from.UtcTicks;
        var count = 0;
        foreach (var entry in _ae)
        {
            if (entry.UtcTicks >= start)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The latest 2-year review that carried ASQ-3 scores, whenever recorded (see <see cref="HasAsq3"/>).</summary>
    public ReviewRecord? LatestAsq3()
    {
        for (var i = _reviews.Length - 1; i >= 0; i--)
        {
            if (_reviews[i] is { Kind: (byte)MandatedReview.TwoYear, Detail: Asq3Scores })
            {
                return ToReview(_reviews[i]);
            }
        }

        return null;
    }

    /// <summary>For each vaccine, its latest record: given, or missed and not given since.</summary>
    public IReadOnlyList<ImmunisationRecord> LatestPerVaccine()
    {
        var latest = new List<ImmunisationRecord>();
        for (var i = _immunisations.Length - 1; i >= 0; i--)
        {
            if (IsLatestOfItsVaccine(i))
            {
                latest.Add(ToImmunisation(_immunisations[i]));
            }
        }

        latest.Sort((x, y) => string.CompareOrdinal(x.Vaccine, y.Vaccine));
        return latest;
    }

    /// <summary>
    /// The event ids of the vaccines whose latest record says missed, in vaccine order: the missed ones of
    /// <see cref="LatestPerVaccine"/> without building the records (risk is assessed on every event).
    /// </summary>
    public string[] MissedVaccineEventIds()
    {
        var count = 0;
        for (var i = 0; i < _immunisations.Length; i++)
        {
            count += _immunisations[i].Kind != 1 && IsLatestOfItsVaccine(i) ? 1 : 0;
        }

        if (count == 0)
        {
            return [];
        }

        var vaccines = new string[count];
        var ids = new string[count];
        count = 0;
        for (var i = 0; i < _immunisations.Length; i++)
        {
            if (_immunisations[i].Kind != 1 && IsLatestOfItsVaccine(i))
            {
                vaccines[count] = (string)_immunisations[i].Detail!;
                ids[count++] = _ids.Get(_immunisations[i].EventId);
            }
        }

        Array.Sort(vaccines, ids, StringComparer.Ordinal);
        return ids;
    }

    /// <summary>Whether no later record (in the child's order) names the same vaccine; a child has a few dozen at most.</summary>
    private bool IsLatestOfItsVaccine(int index)
    {
        var vaccine = (string)_immunisations[index].Detail!;
        for (var later = index + 1; later < _immunisations.Length; later++)
        {
            if (string.Equals((string)_immunisations[later].Detail!, vaccine, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Folds one event for this child. Applying an event twice, or in any order, gives the same state.</summary>
    /// <exception cref="ArgumentException">The event is not about this child.</exception>
    public ChildState Apply(ContactEvent contactEvent)
    {
        ArgumentNullException.ThrowIfNull(contactEvent);
        if (!string.Equals(contactEvent.ChildId, ChildId, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Event {contactEvent.EventId} is for child '{contactEvent.ChildId}', not '{ChildId}'.", nameof(contactEvent));
        }

        if (_ids.Find(contactEvent.EventId) >= 0)
        {
            return this;
        }

        var ids = _ids.Add(contactEvent.EventId, out var id);

        // An event already marked in error keeps its id (a repeat is still a duplicate, the version still moves) and
        // counts for nothing else.
        if (_marks is not null && MarksInError.IsMarked(_marks.Records, contactEvent))
        {
            return this with { _ids = ids, _count = _count + 1 };
        }

        var at = contactEvent.OccurredAt;
        var stamp = new Stamp(at, id);
        var laterFamily = contactEvent.FamilyId is not null
            && (_family is null || Compare(ids, stamp.UtcTicks, id, _familyStamp.UtcTicks, _familyStamp.EventId) > 0);
        var next = this with
        {
            _ids = ids,
            _count = _count + 1,
            _family = laterFamily ? contactEvent.FamilyId : _family,
            _familyStamp = laterFamily ? stamp : _familyStamp,
        };

        switch (contactEvent.Data)
        {
            case PregnancyBooked booked:
                next._booking = Anchor.Latest(_booking, new(contactEvent.EventId, at, booked.ExpectedDueDate, booked.GestationWeeks));
                break;
            case BirthNotified birth:
                var born = new Anchor(contactEvent.EventId, at, birth.DateOfBirth, 0);
                if (Anchor.IsLater(born, _birth))
                {
                    next._birth = born;
                    next._ward = SharedText.Share(birth.WardCode);
                }

                break;
            case ReviewCompleted review:
                next._reviews = Insert(ids, _reviews, new(at, id, (byte)review.Review, review.Asq3));
                break;
            case AppointmentMissed missed:
                next._missed = Insert(ids, _missed, new(at, id, detail: SharedText.Share(missed.Service)));
                break;
            case AeAttendance:
                // The reason is free text about a child: not needed by any rule, so not kept.
                next._ae = Insert(ids, _ae, new(at, id));
                break;
            case ImmunisationGiven given:
                next._immunisations = Insert(ids, _immunisations, new(at, id, 1, SharedText.Share(given.Vaccine)));
                break;
            case ImmunisationMissed missed:
                next._immunisations = Insert(ids, _immunisations, new(at, id, 0, SharedText.Share(missed.Vaccine)));
                break;
            case CentreRegistered registered:
                next._centre = Insert(ids, _centre, new(at, id, detail: SharedText.ShareOrNull(registered.CentreId)));
                break;
            case SessionAttended session:
                next._sessions = Insert(ids, _sessions, new(at, id, detail: SharedText.ShareOrNull(session.Session)));
                break;
            case ReferralData referral:
                next._referrals = ApplyReferral(ids, _referrals, ReferralFrom(referral, at, id));
                break;
            case EnteredInError mark:
                next._marks = new Marks(
                    MarksInError.Add(MarkedInError, MarksInError.Record(contactEvent, mark)),
                    NeedsRebuild || _ids.Find(mark.EventId) >= 0);
                break;
        }

        return next;
    }

    /// <summary>
    /// Rebuilds a child from its events; events for other children are skipped. Marks are applied first, so every event
    /// they mark arrives already marked and the result needs no rebuild.
    /// </summary>
    public static ChildState Fold(string childId, IEnumerable<ContactEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var state = new ChildState(childId);
        foreach (var contactEvent in MarksInError.MarksFirst(events, e => string.Equals(e.ChildId, childId, StringComparison.Ordinal)))
        {
            state = state.Apply(contactEvent);
        }

        // Only a mark of a mark (never honoured) can have asked for a rebuild among the marks applied first.
        if (state._marks is { NeedsRebuild: true } marks)
        {
            state = state with { _marks = marks with { NeedsRebuild = false } };
        }

        return state;
    }

    /// <summary>Equal when the content is: same child, same events, same records (see the remarks).</summary>
    public bool Equals(ChildState? other) =>
        ReferenceEquals(this, other)
        || (other is not null
            && string.Equals(ChildId, other.ChildId, StringComparison.Ordinal)
            && _count == other._count
            && string.Equals(ToCanonicalJson(), other.ToCanonicalJson(), StringComparison.Ordinal));

    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(ChildId), _count);

    /// <summary>A stable JSON form: equal states give equal text (every list is kept sorted).</summary>
    public string ToCanonicalJson() => JsonSerializer.Serialize(
        new CanonicalForm(ChildId)
        {
            Family = Family,
            Ward = Ward,
            Booking = Booking,
            Birth = Birth,
            Reviews = Reviews,
            MissedAppointments = MissedAppointments,
            AeAttendances = AeAttendances,
            Immunisations = Immunisations,
            CentreRegistrations = CentreRegistrations,
            SessionsAttended = SessionsAttended,
            Referrals = Referrals,
            MarkedInError = _marks is null ? null : MarkedInError,
            EventIds = EventIds,
        },
        CanonicalOptions);

    public static ChildState FromCanonicalJson(string json)
    {
        var form = JsonSerializer.Deserialize<CanonicalForm>(json, CanonicalOptions) ?? throw new FormatException("Not a child state.");
        var state = new ChildState(form.ChildId);
        foreach (var eventId in form.EventIds)
        {
            state._ids = state._ids.Add(eventId, out _);
            state._count++;
        }

        int Id(string eventId) => state._ids.Find(eventId) is var id and >= 0
            ? id
            : throw new FormatException($"Event {eventId} is named by a record but not among the child's events.");

        if (form.Family is { } family)
        {
            state._family = family.Value;
            state._familyStamp = new(family.At, Id(family.EventId));
        }

        if (form.Birth is { } birth)
        {
            state._birth = new(birth.EventId, birth.At, birth.Value, 0);
            state._ward = form.Ward?.Value;
        }

        if (form.Booking is { } booking)
        {
            state._booking = new(booking.EventId, booking.At, booking.Value.ExpectedDueDate, booking.Value.GestationWeeks);
        }

        ChildEntry[] Entries<T>(ValueList<T> records, Func<T, ChildEntry> entry) => [.. records.Select(entry)];
        state._reviews = Entries(form.Reviews, r => new(r.At, Id(r.EventId), (byte)r.Review, r.Asq3));
        state._missed = Entries(form.MissedAppointments, o => new(o.At, Id(o.EventId), detail: o.Detail));
        state._ae = Entries(form.AeAttendances, o => new(o.At, Id(o.EventId), detail: o.Detail));
        state._immunisations = Entries(form.Immunisations, i => new(i.At, Id(i.EventId), i.Given ? (byte)1 : (byte)0, i.Vaccine));
        state._centre = Entries(form.CentreRegistrations, o => new(o.At, Id(o.EventId), detail: o.Detail));
        state._sessions = Entries(form.SessionsAttended, o => new(o.At, Id(o.EventId), detail: o.Detail));
        state._referrals = [.. form.Referrals.Select(r => new ReferralEntry(r.ReferralId, r.Status, r.From, r.To, r.At, Id(r.EventId)))];
        state._marks = form.MarkedInError is { IsEmpty: false } marks ? new Marks(marks, false) : null;
        return state;
    }

    private static ReferralEntry ReferralFrom(ReferralData referral, DateTimeOffset at, int eventId) =>
        new(referral.ReferralId,
            referral switch
            {
                ReferralAccepted => ReferralStatus.Accepted,
                ReferralDeclined => ReferralStatus.Declined,
                _ => ReferralStatus.Made,
            },
            SharedText.Share(referral.From),
            SharedText.Share(referral.To),
            at,
            eventId);

    /// <summary>
    /// An answer (accepted or declined) outranks the referral itself whatever the clocks said (see
    /// <see cref="ReferralRecord.Winner"/>); between two answers the later wins.
    /// </summary>
    private static ReferralEntry[] ApplyReferral(EventIdTable ids, ReferralEntry[] referrals, ReferralEntry candidate)
    {
        var index = 0;
        for (; index < referrals.Length; index++)
        {
            var order = string.CompareOrdinal(referrals[index].ReferralId, candidate.ReferralId);
            if (order == 0)
            {
                var current = referrals[index];
                var rank = (candidate.Status != ReferralStatus.Made).CompareTo(current.Status != ReferralStatus.Made);
                if (rank > 0 || (rank == 0 && Compare(ids, candidate.UtcTicks, candidate.EventId, current.UtcTicks, current.EventId) > 0))
                {
                    var replaced = (ReferralEntry[])referrals.Clone();
                    replaced[index] = candidate;
                    return replaced;
                }

                return referrals;
            }

            if (order > 0)
            {
                break;
            }
        }

        return [.. referrals.AsSpan(0, index), candidate, .. referrals.AsSpan(index)];
    }

    /// <summary>Inserts keeping (occurredAt, eventId) order; the event is new, so it never ties.</summary>
    private static ChildEntry[] Insert(EventIdTable ids, ChildEntry[] entries, ChildEntry entry)
    {
        var index = entries.Length;
        while (index > 0 && Compare(ids, entries[index - 1].UtcTicks, entries[index - 1].EventId, entry.UtcTicks, entry.EventId) > 0)
        {
            index--;
        }

        return [.. entries.AsSpan(0, index), entry, .. entries.AsSpan(index)];
    }

    /// <summary><see cref="EventOrder"/> on the compact form: by instant, then by event id.</summary>
    private static int Compare(EventIdTable ids, long leftTicks, int leftId, long rightTicks, int rightId)
    {
        var order = leftTicks.CompareTo(rightTicks);
        return order != 0 ? order : ids.Compare(leftId, rightId);
    }

    private int Compare(in ChildEntry left, in ChildEntry right) => Compare(_ids, left.UtcTicks, left.EventId, right.UtcTicks, right.EventId);

    private static ValueList<TRecord> Build<TEntry, TRecord>(TEntry[] entries, Func<TEntry, TRecord> build)
    {
        if (entries.Length == 0)
        {
            return ValueList<TRecord>.Empty;
        }

        var records = new TRecord[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            records[i] = build(entries[i]);
        }

        return new(System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(records));
    }

    private ReviewRecord ToReview(ChildEntry entry) => new((MandatedReview)entry.Kind, entry.At, _ids.Get(entry.EventId), entry.Detail as Asq3Scores);

    private Occurrence ToOccurrence(ChildEntry entry) => new(entry.At, _ids.Get(entry.EventId), (string?)entry.Detail);

    private ImmunisationRecord ToImmunisation(ChildEntry entry) => new((string)entry.Detail!, entry.Kind == 1, entry.At, _ids.Get(entry.EventId));

    private ReferralRecord ToReferral(ReferralEntry entry) => new(entry.ReferralId, entry.Status, entry.From, entry.To, entry.At, _ids.Get(entry.EventId));

    /// <summary>The birth record or the booking: latest wins, with its event id kept as text (read on every schedule evaluation).</summary>
    private readonly struct Anchor(string eventId, DateTimeOffset at, DateOnly date, int number)
    {
        public string? EventId { get; } = eventId;

        public long UtcTicks { get; } = at.UtcTicks;

        public DateOnly Date { get; } = date;

        public int Number { get; } = number;

        public short OffsetMinutes { get; } = (short)at.TotalOffsetMinutes;

        public DateTimeOffset At => Instants.From(UtcTicks, OffsetMinutes);

        public static bool IsLater(Anchor candidate, Anchor current) =>
            current.EventId is null || EventOrder.Compare(
                new DateTimeOffset(candidate.UtcTicks, TimeSpan.Zero), candidate.EventId!,
                new DateTimeOffset(current.UtcTicks, TimeSpan.Zero), current.EventId) > 0;

        public static Anchor Latest(Anchor current, Anchor candidate) => IsLater(candidate, current) ? candidate : current;
    }

    /// <summary>The canonical JSON's shape: the public view of the state, in a fixed order.</summary>
    private sealed record CanonicalForm(string ChildId)
    {
        public Stamped<string>? Family { get; init; }

        public Stamped<string>? Ward { get; init; }

        public Stamped<AntenatalBooking>? Booking { get; init; }

        public Stamped<DateOnly>? Birth { get; init; }

        public ValueList<ReviewRecord> Reviews { get; init; }

        public ValueList<Occurrence> MissedAppointments { get; init; }

        public ValueList<Occurrence> AeAttendances { get; init; }

        public ValueList<ImmunisationRecord> Immunisations { get; init; }

        public ValueList<Occurrence> CentreRegistrations { get; init; }

        public ValueList<Occurrence> SessionsAttended { get; init; }

        public ValueList<ReferralRecord> Referrals { get; init; }

        public ValueList<MarkRecord>? MarkedInError { get; init; }

        public ValueList<string> EventIds { get; init; }
    }

    /// <summary>The marks a child holds, and whether one arrived after the event it marks.</summary>
    private sealed record Marks(ValueList<MarkRecord> Records, bool NeedsRebuild);
}
