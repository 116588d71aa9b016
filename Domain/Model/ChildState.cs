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
/// Only dates, short ids and details the rules use are kept (not whole events), so a child with
/// about twenty events stays small in memory.
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

    public ChildState(string childId)
    {
        ArgumentException.ThrowIfNullOrEmpty(childId);
        ChildId = childId;
    }

    public string ChildId { get; }

    [JsonInclude]
    public Stamped<string>? Family { get; private init; }

    /// <summary>The ward of the birth record.</summary>
    [JsonInclude]
    public Stamped<string>? Ward { get; private init; }

    [JsonInclude]
    public Stamped<AntenatalBooking>? Booking { get; private init; }

    [JsonInclude]
    public Stamped<DateOnly>? Birth { get; private init; }

    /// <summary>Every recorded review, sorted by (occurredAt, eventId).</summary>
    [JsonInclude]
    public ValueList<ReviewRecord> Reviews { get; private init; }

    /// <summary>"Was not brought" appointments; <see cref="Occurrence.Detail"/> is the service.</summary>
    [JsonInclude]
    public ValueList<Occurrence> MissedAppointments { get; private init; }

    [JsonInclude]
    public ValueList<Occurrence> AeAttendances { get; private init; }

    [JsonInclude]
    public ValueList<ImmunisationRecord> Immunisations { get; private init; }

    /// <summary>Registrations with the children's centre; <see cref="Occurrence.Detail"/> is the centre, if given.</summary>
    [JsonInclude]
    public ValueList<Occurrence> CentreRegistrations { get; private init; }

    /// <summary>Sessions this child attended; <see cref="Occurrence.Detail"/> is the session.</summary>
    [JsonInclude]
    public ValueList<Occurrence> SessionsAttended { get; private init; }

    /// <summary>One entry per referral id, sorted by referral id.</summary>
    [JsonInclude]
    public ValueList<ReferralRecord> Referrals { get; private init; }

    /// <summary>Ids of every event applied, sorted ordinally: the idempotence check and the version.</summary>
    [JsonInclude]
    public ValueList<string> EventIds { get; private init; }

    /// <summary>Number of distinct events applied.</summary>
    [JsonIgnore]
    public int Version => EventIds.Count;

    [JsonIgnore]
    public string? FamilyId => Family?.Value;

    [JsonIgnore]
    public string? WardCode => Ward?.Value;

    [JsonIgnore]
    public DateOnly? ExpectedDueDate => Booking?.Value.ExpectedDueDate;

    [JsonIgnore]
    public int? GestationAtBooking => Booking?.Value.GestationWeeks;

    [JsonIgnore]
    public string? BookingEventId => Booking?.EventId;

    [JsonIgnore]
    public DateOnly? DateOfBirth => Birth?.Value;

    [JsonIgnore]
    public string? BirthEventId => Birth?.EventId;

    /// <summary>True once a birth record arrived: the child counts among the births the centre should reach.</summary>
    [JsonIgnore]
    public bool KnownFromBirthRecord => Birth is not null;

    [JsonIgnore]
    public bool RegisteredWithCentre => !CentreRegistrations.IsEmpty;

    /// <summary>The latest centre registration or session attended.</summary>
    [JsonIgnore]
    public Occurrence? LastSeenByCentre
    {
        get
        {
            Occurrence? registration = CentreRegistrations.IsEmpty ? null : CentreRegistrations[^1];
            Occurrence? session = SessionsAttended.IsEmpty ? null : SessionsAttended[^1];
            return session is null || (registration is not null && EventOrder.Compare(registration, session) > 0)
                ? registration
                : session;
        }
    }

    /// <summary>The first time a review was recorded: a later repeat does not make an on-time review late.</summary>
    public ReviewRecord? FirstCompletion(MandatedReview review)
    {
        foreach (var record in Reviews)
        {
            if (record.Review == review)
            {
                return record;
            }
        }

        return null;
    }

    /// <summary>The latest 2-year review that carried ASQ-3 scores.</summary>
    public ReviewRecord? LatestAsq3()
    {
        for (var i = Reviews.Count - 1; i >= 0; i--)
        {
            if (Reviews[i] is { Review: MandatedReview.TwoYear, Asq3: not null } record)
            {
                return record;
            }
        }

        return null;
    }

    /// <summary>For each vaccine, its latest record: given, or missed and not given since.</summary>
    public IReadOnlyList<ImmunisationRecord> LatestPerVaccine() =>
        Immunisations.GroupBy(i => i.Vaccine, StringComparer.Ordinal)
            .Select(g => g.Last())
            .OrderBy(i => i.Vaccine, StringComparer.Ordinal)
            .ToArray();

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

        var ids = EventIds.InsertSorted(contactEvent.EventId, StringComparer.Ordinal);
        if (ids.Count == EventIds.Count)
        {
            return this;
        }

        var at = contactEvent.OccurredAt;
        var id = contactEvent.EventId;
        var next = this with
        {
            EventIds = ids,
            Family = contactEvent.FamilyId is { } familyId ? Stamped<string>.Latest(Family, new(familyId, at, id)) : Family,
        };

        return contactEvent.Data switch
        {
            PregnancyBooked booked => next with
            {
                Booking = Stamped<AntenatalBooking>.Latest(Booking, new(new(booked.ExpectedDueDate, booked.GestationWeeks), at, id)),
            },
            BirthNotified birth => next with
            {
                Birth = Stamped<DateOnly>.Latest(Birth, new(birth.DateOfBirth, at, id)),
                Ward = Stamped<string>.Latest(Ward, new(SharedText.Share(birth.WardCode), at, id)),
            },
            ReviewCompleted review => next with
            {
                Reviews = Reviews.InsertSorted(new(review.Review, at, id, review.Asq3), ByTime<ReviewRecord>.Instance),
            },
            AppointmentMissed missed => next with
            {
                MissedAppointments = MissedAppointments.InsertSorted(new(at, id, SharedText.Share(missed.Service)), ByTime<Occurrence>.Instance),
            },
            AeAttendance => next with
            {
                // The reason is free text about a child: not needed by any rule, so not kept.
                AeAttendances = AeAttendances.InsertSorted(new(at, id), ByTime<Occurrence>.Instance),
            },
            ImmunisationGiven given => next with
            {
                Immunisations = Immunisations.InsertSorted(new(SharedText.Share(given.Vaccine), true, at, id), ByTime<ImmunisationRecord>.Instance),
            },
            ImmunisationMissed missed => next with
            {
                Immunisations = Immunisations.InsertSorted(new(SharedText.Share(missed.Vaccine), false, at, id), ByTime<ImmunisationRecord>.Instance),
            },
            CentreRegistered registered => next with
            {
                CentreRegistrations = CentreRegistrations.InsertSorted(new(at, id, SharedText.ShareOrNull(registered.CentreId)), ByTime<Occurrence>.Instance),
            },
            SessionAttended session => next with
            {
                SessionsAttended = SessionsAttended.InsertSorted(new(at, id, SharedText.ShareOrNull(session.Session)), ByTime<Occurrence>.Instance),
            },
            ReferralData referral => next with
            {
                Referrals = ApplyReferral(Referrals, ReferralFrom(referral, at, id)),
            },
            _ => next,
        };
    }

    /// <summary>Rebuilds a child from its events; events for other children are skipped.</summary>
    public static ChildState Fold(string childId, IEnumerable<ContactEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var state = new ChildState(childId);
        foreach (var contactEvent in events)
        {
            if (string.Equals(contactEvent.ChildId, childId, StringComparison.Ordinal))
            {
                state = state.Apply(contactEvent);
            }
        }

        return state;
    }

    /// <summary>A stable JSON form: equal states give equal text (every list is kept sorted).</summary>
    public string ToCanonicalJson() => JsonSerializer.Serialize(this, CanonicalOptions);

    public static ChildState FromCanonicalJson(string json) =>
        JsonSerializer.Deserialize<ChildState>(json, CanonicalOptions)
        ?? throw new FormatException("Not a child state.");

    internal static ReferralRecord ReferralFrom(ReferralData referral, DateTimeOffset at, string eventId) =>
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

    internal static ValueList<ReferralRecord> ApplyReferral(ValueList<ReferralRecord> referrals, ReferralRecord candidate)
    {
        var index = referrals.IndexOf(r => r.ReferralId == candidate.ReferralId);
        return index < 0
            ? referrals.InsertSorted(candidate, ByReferralId.Instance)
            : referrals.SetItem(index, ReferralRecord.Winner(referrals[index], candidate));
    }

    private sealed class ByReferralId : IComparer<ReferralRecord>
    {
        public static readonly ByReferralId Instance = new();

        public int Compare(ReferralRecord? x, ReferralRecord? y) => string.CompareOrdinal(x?.ReferralId, y?.ReferralId);
    }
}
