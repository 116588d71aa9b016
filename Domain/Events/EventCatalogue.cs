using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;
using QpActors.Domain.Model;

namespace QpActors.Domain.Events;

/// <summary>One problem with one field of a posted event; <paramref name="Field"/> is a JSON path such as <c>data.dateOfBirth</c>.</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>Either an event (no errors) or every field error found.</summary>
public sealed record ParseResult(ContactEvent? Event, IReadOnlyList<FieldError> Errors)
{
    public bool IsValid => Event is not null;
}

/// <summary>
/// The contact-event catalogue of docs/design.md: which types exist, what each carries, and how a
/// posted wire object is checked. Every problem is reported, so a frontline app can fix a form in one go.
/// </summary>
public static class EventCatalogue
{
    /// <summary>How far ahead of the server's clock a device's clock may run.</summary>
    public static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromMinutes(5);

    /// <summary>Nothing this system records happened before this day of the programme's calendar.</summary>
    public static readonly DateOnly EarliestDay = new(2000, 1, 1);

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    private static readonly Spec[] Specs =
    [
        new(EventTypes.FamilyRegistered, "A family becomes known to a service: ward, housing and members.", ChildIdRule.NotAllowed, ReadFamilyRegistered),
        new(EventTypes.FamilyDetailsChanged, "Some of the family's registered details changed.", ChildIdRule.NotAllowed, ReadFamilyDetailsChanged),
        new(EventTypes.PregnancyBooked, "Antenatal booking: expected due date and gestation at booking.", ChildIdRule.Required, ReadPregnancyBooked),
        new(EventTypes.BirthNotified, "A birth record; creates the family and child if unknown.", ChildIdRule.Required, ReadBirthNotified),
        new(EventTypes.ReviewCompleted, "A mandated health-visiting review took place (2-year review may carry ASQ-3 scores).", ChildIdRule.Required, ReadReviewCompleted),
        new(EventTypes.AppointmentMissed, "The child was not brought to an appointment.", ChildIdRule.Required, ReadAppointmentMissed),
        new(EventTypes.CentreRegistered, "The child was registered with the children's centre.", ChildIdRule.Required, ReadCentreRegistered),
        new(EventTypes.SessionAttended, "The family (or one child) attended a session such as a drop-in.", ChildIdRule.Optional, ReadSessionAttended),
        new(EventTypes.ChampionOutreach, "A community champion reached the family, perhaps signposting a service.", ChildIdRule.NotAllowed, ReadChampionOutreach),
        new(EventTypes.SurveyCompleted, "The family answered a champion's satisfaction survey.", ChildIdRule.NotAllowed, ReadSurveyCompleted),
        new(EventTypes.ReferralMade, "One service referred the family (or a child) to another.", ChildIdRule.Optional, r => ReadReferral(r, (id, from, to) => new ReferralMade(id, from, to))),
        new(EventTypes.ReferralAccepted, "The receiving service accepted a referral.", ChildIdRule.Optional, r => ReadReferral(r, (id, from, to) => new ReferralAccepted(id, from, to))),
        new(EventTypes.ReferralDeclined, "The receiving service declined a referral.", ChildIdRule.Optional, r => ReadReferral(r, (id, from, to) => new ReferralDeclined(id, from, to))),
        new(EventTypes.AeAttendance, "The child attended Accident and Emergency.", ChildIdRule.Required, ReadAeAttendance),
        new(EventTypes.ImmunisationGiven, "The child received a vaccine.", ChildIdRule.Required, r => ReadVaccine(r, v => new ImmunisationGiven(v))),
        new(EventTypes.ImmunisationMissed, "The child missed a due vaccine.", ChildIdRule.Required, r => ReadVaccine(r, v => new ImmunisationMissed(v))),
        new(EventTypes.ConcernRaised, "A practitioner raised a concern about the family.", ChildIdRule.Optional, r => ReadConcern(r, c => new ConcernRaised(c))),
        new(EventTypes.ConcernResolved, "A practitioner recorded that a concern no longer applies.", ChildIdRule.Optional, r => ReadConcern(r, c => new ConcernResolved(c))),
        new(EventTypes.ServiceLevelSet, "A practitioner set the family's service level, with a reason.", ChildIdRule.NotAllowed, ReadServiceLevelSet),
        new(EventTypes.DropInHosted, "A drop-in session was held (no family: attendance as a count).", ChildIdRule.NotAllowed, ReadDropInHosted, FamilyIdRequired: false),
        new(EventTypes.EnteredInError, "The recorder marks an event it recorded as entered in error (data.eventId, with a reason): kept for the audit trail, it no longer counts. Sent with the marked event's familyId and childId.", ChildIdRule.Optional, ReadEnteredInError),
    ];

    private static readonly FrozenDictionary<string, Spec> ByName = Specs.ToFrozenDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>Every event type with a one-line description, in catalogue order.</summary>
    public static IReadOnlyList<EventTypeInfo> Types { get; } =
        Specs.Select(s => new EventTypeInfo(s.Name, s.Description, s.ChildId, s.FamilyIdRequired)).ToImmutableArray();

    public static bool IsKnownType(string type) => ByName.ContainsKey(type);

    /// <summary>Checks a posted wire object and builds the event.</summary>
    /// <param name="wireObject">The body as posted (camelCase, see docs/design.md).</param>
    /// <param name="recordedBy">The caller's identity; the body may not name its own recorder.</param>
    /// <param name="receivedAt">When it arrived; also "now" for the clock-skew check.</param>
    /// <param name="calendar">The programme's calendar, whose days the event's dates are.</param>
    /// <param name="practitioner">
    /// The person the caller's token names (its subject). A level decision records them as the practitioner who made it
    /// (<see cref="ContactEvent.Practitioner"/>); other events name no one. The body may not name a practitioner.
    /// </param>
    /// <param name="practitionerNames">
    /// The display names the caller's token carries (each value of its <c>name</c> claim), kept with a level decision
    /// beside <paramref name="practitioner"/> once <see cref="PractitionerNames.Check(IReadOnlyList{string})"/> allows
    /// them. A name it refuses fails the parse, naming <see cref="PractitionerNames.Field"/>, only beside another error;
    /// a decision that is otherwise good is built without a name and carries why
    /// (<see cref="ContactEvent.PractitionerNameProblem"/>), so that a retry of a decision already recorded still
    /// answers its receipt and any other is refused by the family that would record it. Other events keep no name, so
    /// theirs is not looked at.
    /// </param>
    public static ParseResult Parse(JsonElement wireObject, string recordedBy, DateTimeOffset receivedAt, ProgrammeCalendar calendar, string? practitioner = null, IReadOnlyList<string>? practitionerNames = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(recordedBy);
        ArgumentNullException.ThrowIfNull(calendar);
        var who = string.IsNullOrWhiteSpace(practitioner) ? null : practitioner;
        return Read(wireObject, recordedBy, new Decider(who, who is null ? null : practitionerNames, null), receivedAt, calendar);
    }

    /// <summary>
    /// Who a level decision names: the person (the token's subject) and the names their token carries (posted), or the
    /// name the journal kept (stored).
    /// </summary>
    private readonly record struct Decider(string? Practitioner, IReadOnlyList<string>? Names, string? StoredName);

    /// <summary>
    /// Reads an event back from the journal. The checks that depend on the time of posting were made
    /// then; repeating them would reject history whenever the rules tighten.
    /// </summary>
    internal static ParseResult ReadStored(JsonElement stored)
    {
        var errors = new List<FieldError>();
        var reader = new FieldReader(stored.ValueKind == JsonValueKind.Object ? stored : EmptyObject, string.Empty, errors);
        var recordedBy = reader.String("recordedBy", required: true, t => t.Length == 0 ? "must not be empty" : null);
        var receivedAt = reader.Instant("receivedAt", required: true);
        if (!reader.Ok || recordedBy is null || receivedAt is null)
        {
            return new ParseResult(null, errors);
        }

        // Only a level decision names a practitioner, and one stored before decisions did names none: the field is optional.
        var practitioner = reader.String("practitioner", required: false, t => t.Length == 0 ? "must not be empty" : null);

        // The name was checked when the decision was made; one stored before decisions kept a name reads as none.
        var practitionerName = reader.String("practitionerName", required: false, _ => null);
        if (!reader.Ok)
        {
            return new ParseResult(null, errors);
        }

        return Read(stored, recordedBy, new Decider(practitioner, null, practitionerName), receivedAt.Value, postedIn: null);
    }

    /// <param name="decider">Who made the event if it is a level decision (the caller's subject and name, or the stored ones).</param>
    /// <param name="postedIn">The calendar of a posted event; null for one read back from the journal, which is trusted.</param>
    private static ParseResult Read(JsonElement wire, string recordedBy, Decider decider, DateTimeOffset receivedAt, ProgrammeCalendar? postedIn)
    {
        var trusted = postedIn is null;
        var errors = new List<FieldError>();
        if (wire.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError("$", "must be a JSON object"));
            return new ParseResult(null, errors);
        }

        var reader = new FieldReader(wire, string.Empty, errors);
        var eventId = reader.Id("eventId", required: true);
        var type = reader.String("type", required: true, t => ByName.ContainsKey(t)
            ? null
            : $"'{t}' is not an event type; expected one of {string.Join(", ", Specs.Select(s => s.Name))}");
        var spec = type is null ? null : ByName[type];

        var occurredAt = reader.Instant("occurredAt", required: true);
        if (occurredAt is { } at && postedIn is not null)
        {
            if (at > receivedAt + ClockSkewAllowance)
            {
                reader.Error("occurredAt", "is in the future (more than 5 minutes ahead of the server clock)");
            }
            else if (postedIn.DayOf(at) < EarliestDay)
            {
                reader.Error("occurredAt", "must not be before 2000-01-01");
            }
        }

        var familyId = ReadScopeId(reader, "familyId", spec is null
            ? ChildIdRule.Optional
            : spec.FamilyIdRequired ? ChildIdRule.Required : ChildIdRule.NotAllowed, type);
        var childId = ReadScopeId(reader, "childId", spec?.ChildId ?? ChildIdRule.Optional, type);

        EventData? data = null;
        if (spec is not null)
        {
            var dataReader = reader.Has("data") ? reader.Object("data", required: true) : new FieldReader(EmptyObject, "data", errors);
            if (dataReader is not null)
            {
                var context = new DataContext(dataReader, receivedAt, postedIn);
                data = spec.Read(context);

                // A posted event is checked field by field. A stored one may have been written by a later version, which
                // added a field this one does not know: it is read without it, so that silos of two versions can share a
                // store while they are upgraded one by one.
                if (!trusted)
                {
                    dataReader.RejectUnknown(name => $"is not a field of {spec.Name}");
                }
            }
        }
        else
        {
            // Without a known type the data cannot be checked; mark it read so only the type is blamed.
            reader.Has("data");
        }

        // A mark names another event: a mark of itself would be a mark of a mark, which nothing honours.
        if (data is EnteredInError self && eventId is not null && string.Equals(self.EventId, eventId, StringComparison.Ordinal))
        {
            reader.Error("data.eventId", "must name another event than the mark itself");
        }

        // The envelope likewise: a stored event's fields this version does not know were written by a later one.
        if (!trusted)
        {
            reader.RejectUnknown(name => name is "recordedBy" or "receivedAt" or "practitioner" or "practitionerName"
                ? "is set by the server from the caller's identity and must not be posted"
                : "is not a field of a contact event");
        }

        // A decision keeps its practitioner's name for good, so a name that cannot be shown as one is never kept; a posted
        // event of another type keeps no name, and a stored one was checked when it was made. The refusal itself is the
        // family's to make (ContactEvent.PractitionerNameProblem), unless the event is refused here for something else too,
        // when it is named with the rest so the sender mends everything at once.
        var practitionerName = decider.StoredName;
        string? nameProblem = null;
        if (spec?.Name == EventTypes.ServiceLevelSet && !trusted)
        {
            (practitionerName, nameProblem) = PractitionerNames.Check(decider.Names);
        }

        if (errors.Count > 0 || eventId is null || type is null || occurredAt is null || data is null)
        {
            if (nameProblem is not null)
            {
                errors.Add(new FieldError(PractitionerNames.Field, nameProblem));
            }

            return new ParseResult(null, errors);
        }

        return new ParseResult(
            // The catalogue's own name and a shared recorder: states keep both for as long as they live.
            new ContactEvent(eventId, spec!.Name, occurredAt.Value, familyId, childId, SharedCodes.Share(recordedBy), receivedAt, data,
                data is ServiceLevelSet ? decider.Practitioner : null,
                data is ServiceLevelSet && decider.Practitioner is not null ? practitionerName : null)
            {
                PractitionerNameProblem = data is ServiceLevelSet && decider.Practitioner is not null ? nameProblem : null,
            },
            []);
    }

    private static string? ReadScopeId(FieldReader reader, string name, ChildIdRule rule, string? type)
    {
        if (rule == ChildIdRule.NotAllowed)
        {
            if (reader.Has(name))
            {
                reader.Error(name, $"must not be given for {type}");
            }

            return null;
        }

        return reader.Id(name, rule == ChildIdRule.Required);
    }

    private static FamilyRegistered? ReadFamilyRegistered(DataContext context)
    {
        var r = context.Reader;
        var ward = r.Code("wardCode", required: true);
        var housing = r.Enum<Housing>("housing", required: true);
        var youngParent = r.Bool("youngParent");
        var gp = r.Bool("gpRegistered");
        var members = ReadMembers(r);
        return r.Ok ? new FamilyRegistered(ward!, housing!.Value, youngParent, gp, members) : null;
    }

    private static FamilyDetailsChanged? ReadFamilyDetailsChanged(DataContext context)
    {
        var r = context.Reader;
        var ward = r.Code("wardCode", required: false);
        var housing = r.Enum<Housing>("housing", required: false);
        var youngParent = r.Bool("youngParent");
        var gp = r.Bool("gpRegistered");
        var members = ReadMembers(r);
        if (r.Ok && ward is null && housing is null && youngParent is null && gp is null && members is null)
        {
            context.Errors.Add(new FieldError("data", "needs at least one of wardCode, housing, youngParent, gpRegistered, members"));
        }

        return r.Ok ? new FamilyDetailsChanged(ward, housing, youngParent, gp, members) : null;
    }

    private static ValueList<FamilyMember>? ReadMembers(FieldReader r)
    {
        if (!r.TryGet("members", out var array))
        {
            return null;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            r.Error("members", "must be an array");
            return null;
        }

        var members = new List<FamilyMember>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            var path = $"members[{index}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                r.Error(path, "must be an object");
            }
            else
            {
                var member = r.Nested(item, path);
                var id = member.Id("memberId", required: true);
                var role = member.Enum<MemberRole>("role", required: true);
                member.RejectUnknown(_ => "is not a field of a family member");
                if (id is not null && !ids.Add(id))
                {
                    member.Error("memberId", "appears twice in members");
                }
                else if (id is not null && role is not null)
                {
                    members.Add(new FamilyMember(id, role.Value));
                }
            }

            index++;
        }

        return new ValueList<FamilyMember>(members);
    }

    private static PregnancyBooked? ReadPregnancyBooked(DataContext context)
    {
        var r = context.Reader;
        var due = r.Date("expectedDueDate", required: true);
        var weeks = r.Int("gestationWeeks", required: true, 4, 42);
        return r.Ok ? new PregnancyBooked(due!.Value, weeks!.Value) : null;
    }

    private static BirthNotified? ReadBirthNotified(DataContext context)
    {
        var r = context.Reader;
        var born = r.Date("dateOfBirth", required: true);
        var ward = r.Code("wardCode", required: true);
        if (born is { } date && context.LatestPossibleDate is { } latest && date > latest)
        {
            r.Error("dateOfBirth", "must not be in the future");
        }

        return r.Ok ? new BirthNotified(born!.Value, ward!) : null;
    }

    private static ReviewCompleted? ReadReviewCompleted(DataContext context)
    {
        var r = context.Reader;
        var review = r.Enum<MandatedReview>("review", required: true);
        Asq3Scores? asq3 = null;
        var scores = r.Object("asq3", required: false);
        if (scores is not null)
        {
            var communication = scores.Int("communication", required: true, 0, 60);
            var grossMotor = scores.Int("grossMotor", required: true, 0, 60);
            var fineMotor = scores.Int("fineMotor", required: true, 0, 60);
            var problemSolving = scores.Int("problemSolving", required: true, 0, 60);
            var personalSocial = scores.Int("personalSocial", required: true, 0, 60);
            scores.RejectUnknown(_ => "is not an ASQ-3 domain");
            if (review is { } kind && kind != MandatedReview.TwoYear)
            {
                r.Error("asq3", "is recorded only with the 2-year review");
            }

            if (scores.Ok)
            {
                asq3 = new Asq3Scores(communication!.Value, grossMotor!.Value, fineMotor!.Value, problemSolving!.Value, personalSocial!.Value);
            }
        }

        return r.Ok ? new ReviewCompleted(review!.Value, asq3) : null;
    }

    private static AppointmentMissed? ReadAppointmentMissed(DataContext context)
    {
        var service = context.Reader.Code("service", required: true);
        return context.Reader.Ok ? new AppointmentMissed(service!) : null;
    }

    private static CentreRegistered? ReadCentreRegistered(DataContext context)
    {
        var centre = context.Reader.Id("centreId", required: false);
        return context.Reader.Ok ? new CentreRegistered(centre) : null;
    }

    private static SessionAttended? ReadSessionAttended(DataContext context)
    {
        var session = context.Reader.Code("session", required: true);
        return context.Reader.Ok ? new SessionAttended(session!) : null;
    }

    private static ChampionOutreach? ReadChampionOutreach(DataContext context)
    {
        var r = context.Reader;
        var champion = r.Id("championId", required: true);
        var signposted = r.Code("signpostedTo", required: false);
        return r.Ok ? new ChampionOutreach(champion!, signposted) : null;
    }

    private static SurveyCompleted? ReadSurveyCompleted(DataContext context)
    {
        var r = context.Reader;
        var champion = r.Id("championId", required: true);
        var satisfaction = r.Object("satisfaction", required: true);
        var scores = ImmutableSortedDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        if (satisfaction is not null)
        {
            foreach (var property in satisfaction.Properties())
            {
                if (FieldReader.CheckCode(property.Name) is { } problem)
                {
                    satisfaction.Error(property.Name, "service id " + problem);
                    satisfaction.TryGet(property.Name, out _);
                }
                else if (satisfaction.Int(property.Name, required: true, 1, 5) is { } score)
                {
                    scores[property.Name] = score;
                }
            }

            satisfaction.RejectUnknown(_ => "is not a service");
            if (satisfaction.Ok && scores.Count == 0)
            {
                r.Error("satisfaction", "needs a score for at least one service");
            }
        }

        return r.Ok ? new SurveyCompleted(champion!, scores.ToImmutable()) : null;
    }

    private static ReferralData? ReadReferral(DataContext context, Func<string, string, string, ReferralData> create)
    {
        var r = context.Reader;
        var id = r.Id("referralId", required: true);
        var from = r.Code("from", required: true);
        var to = r.Code("to", required: true);
        return r.Ok ? create(id!, from!, to!) : null;
    }

    private static AeAttendance? ReadAeAttendance(DataContext context)
    {
        var reason = context.Reader.Text("reason", required: false, 1, 500);
        return context.Reader.Ok ? new AeAttendance(reason) : null;
    }

    private static EventData? ReadVaccine(DataContext context, Func<string, EventData> create)
    {
        var vaccine = context.Reader.Text("vaccine", required: true, 1, 64);
        return context.Reader.Ok ? create(vaccine!) : null;
    }

    private static EventData? ReadConcern(DataContext context, Func<Concern, EventData> create)
    {
        var concern = context.Reader.Enum<Concern>("concern", required: true);
        return context.Reader.Ok ? create(concern!.Value) : null;
    }

    private static ServiceLevelSet? ReadServiceLevelSet(DataContext context)
    {
        var r = context.Reader;
        var level = r.Enum<ServiceLevel>("level", required: true);
        var reason = r.Text("reason", required: true, 3, 2000);
        return r.Ok ? new ServiceLevelSet(level!.Value, reason!) : null;
    }

    private static DropInHosted? ReadDropInHosted(DataContext context)
    {
        var r = context.Reader;
        var session = r.Code("session", required: true);
        var champion = r.Id("championId", required: false);
        var attendance = r.Int("attendance", required: false, 0, int.MaxValue);
        return r.Ok ? new DropInHosted(session!, champion, attendance) : null;
    }

    private static EnteredInError? ReadEnteredInError(DataContext context)
    {
        var r = context.Reader;
        var marked = r.Id("eventId", required: true);
        var reason = r.Text("reason", required: true, MarksInError.MinReasonLength, MarksInError.MaxReasonLength);
        return r.Ok ? new EnteredInError(marked!, reason!) : null;
    }

    private sealed record Spec(string Name, string Description, ChildIdRule ChildId, Func<DataContext, EventData?> Read, bool FamilyIdRequired = true);

    private sealed class DataContext(FieldReader reader, DateTimeOffset receivedAt, ProgrammeCalendar? postedIn)
    {
        public FieldReader Reader => reader;

        public List<FieldError> Errors => reader.Errors;

        /// <summary>
        /// A date is a day of the programme's calendar, like every day the system counts, so it is in the future when
        /// it is after today there, with the clock-skew allowance an occurredAt has: at 23:58 a device five minutes
        /// fast may already say tomorrow. Whatever zone a device is set to, the programme's today is the one that
        /// counts (a birth's date then agrees with the review windows measured from it). Null for a stored event,
        /// whose dates were checked when it was posted.
        /// </summary>
        public DateOnly? LatestPossibleDate => postedIn?.DayOf(receivedAt + ClockSkewAllowance);
    }
}
