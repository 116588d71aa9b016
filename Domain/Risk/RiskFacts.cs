using QpActors.Domain.Events;
using QpActors.Domain.Model;
using QpActors.Domain.Schedule;

namespace QpActors.Domain.Risk;

/// <summary>A measurable statement about a child or family at a point in time; booleans are 0/1.</summary>
/// <param name="EventIds">The events that make the fact what it is (empty when it is 0).</param>
public sealed record RiskFact(string Id, double Value, IReadOnlyList<string> EventIds)
{
    public bool IsTrue => Value != 0;
}

public enum RiskScope
{
    Child,
    Family,
}

/// <summary>One fact the Domain can compute, for validating rules files and for documentation.</summary>
public sealed record RiskFactInfo(string Id, RiskScope Scope, string Description);

/// <summary>
/// Computes the facts of docs/design.md from folded state. Every fact is always returned, 0 when it
/// does not hold, so an assessment can show what was checked as well as what fired.
/// </summary>
public static class RiskFacts
{
    public const string LateAntenatalBooking = "late-antenatal-booking";
    public const string OverdueReviews = "overdue-reviews";
    public const string WasNotBrought = "was-not-brought";
    public const string AeAttendances = "ae-attendances";
    public const string Asq3BelowCutoff = "asq3-below-cutoff";
    public const string ImmunisationsMissed = "immunisations-missed";
    public const string NotRegisteredWithCentre = "not-registered-with-centre";
    public const string RegisteredWithCentre = "registered-with-centre";
    public const string AttendsSessions = "attends-sessions";
    public const string NotRegisteredWithCentreBy8Weeks = "not-registered-with-centre-by-8-weeks";
    public const string YoungParent = "young-parent";
    public const string HousingInsecure = "housing-insecure";
    public const string ChampionEngaged = "champion-engaged";
    public const string AttendsDropIns = "attends-drop-ins";
    public const string GpRegistered = "gp-registered";
    public const string FamilyAttendsDropIns = "family-attends-drop-ins";

    /// <summary>
    /// How long after the birth the children's centre has to register a baby before its absence counts: it usually
    /// registers after the new birth visit (10-14 days), and by the 6-8 week review, due by 8 weeks (OHID C8i), the health
    /// visitor has seen the family twice. As for that review, registering on the day the baby is 8 weeks old is in time.
    /// </summary>
    public const int RegistrationGraceWeeks = 8;

    /// <summary>Booked after this many weeks of pregnancy counts as late.</summary>
    public const int LateBookingAfterWeeks = 12;

    /// <summary>
    /// "In the last 12 months" for risk: contacts whose programme day is in the twelve months of days ending today, and
    /// not later than now. A family's recent needs fade a day at a time; the commission's figures count whole calendar
    /// months instead (ReportingPeriod.Last12Months), as their tallies are kept per month.
    /// </summary>
    public const int RecentMonths = 12;

    /// <summary>"In the last 3 months", counted as <see cref="RecentMonths"/> is.</summary>
    public const int LatelyMonths = 3;

    public static IReadOnlyList<RiskFactInfo> Catalogue { get; } =
    [
        new(LateAntenatalBooking, RiskScope.Child, "gestation at booking > 12 weeks"),
        new(OverdueReviews, RiskScope.Child, "count of mandated reviews whose window closed unrecorded: overdue, or missed (the antenatal contact once the baby is born)"),
        new(WasNotBrought, RiskScope.Child, "appointments missed in the last 12 months"),
        new(AeAttendances, RiskScope.Child, "A&E attendances in the last 12 months"),
        new(Asq3BelowCutoff, RiskScope.Child, "latest 2-year ASQ-3 has a domain below its cut-off"),
        new(ImmunisationsMissed, RiskScope.Child, "vaccines missed and not given since"),
        new(NotRegisteredWithCentre, RiskScope.Child, "born, not registered with the children's centre"),
        new(RegisteredWithCentre, RiskScope.Child, "registered with the children's centre (protective)"),
        new(AttendsSessions, RiskScope.Child, "a session attended in the last 3 months (protective)"),
        new(NotRegisteredWithCentreBy8Weeks, RiskScope.Child, "born more than 8 weeks ago, not registered with the children's centre"),
        .. Enum.GetValues<Concern>().Select(c => new RiskFactInfo(ConcernFact(c), RiskScope.Family, $"open concern: {c.ToWireName()}")),
        new(YoungParent, RiskScope.Family, "young parent"),
        new(HousingInsecure, RiskScope.Family, "temporary accommodation, overcrowded or homeless"),
        new(ChampionEngaged, RiskScope.Family, "champion outreach in the last 12 months (protective)"),
        new(AttendsDropIns, RiskScope.Family, "family session attendance in the last 3 months (protective)"),
        new(GpRegistered, RiskScope.Family, "registered with a GP (protective)"),
        new(FamilyAttendsDropIns, RiskScope.Family, "a drop-in or session attended naming no child, in the last 3 months (protective)"),
    ];

    private static readonly Concern[] Concerns = Enum.GetValues<Concern>();

    // A fact that does not hold carries no events, so one immutable instance per id serves every
    // assessment. Most facts are 0 most of the time, and facts are computed on every event.
    private static readonly Dictionary<string, RiskFact> NotHolding =
        Catalogue.ToDictionary(f => f.Id, f => new RiskFact(f.Id, 0, []), StringComparer.Ordinal);

    // A child past its fifth birthday has left the programme (HealthyChildProgramme): every child fact, none holding.
    private static readonly IReadOnlyList<RiskFact> ChildFactsNotHolding =
        Array.AsReadOnly(Catalogue.Where(f => f.Scope == RiskScope.Child).Select(f => NotHolding[f.Id]).ToArray());

    // Made once: a family's facts are computed on every event of any of its children.
    private static readonly string[] ConcernFacts = Concerns.Select(c => "concern-" + c.ToWireName()).ToArray();

    /// <summary>The fact id for an open concern, e.g. <c>concern-domestic-abuse</c>.</summary>
    public static string ConcernFact(Concern concern) => "concern-" + concern.ToWireName();

    public static IReadOnlyList<RiskFact> ForChild(ChildState child, DateTimeOffset now) =>
        ForChild(child, now, ReviewWindows.Default);

    /// <param name="now">Counts "in the last 12 months / 3 months" of the schedule's calendar back from here; later events are not counted.</param>
    public static IReadOnlyList<RiskFact> ForChild(ChildState child, DateTimeOffset now, ReviewWindows schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return ForChild(child, now, schedule, schedule.Evaluate(child ?? throw new ArgumentNullException(nameof(child)), now));
    }

    /// <summary>As <see cref="ForChild(ChildState, DateTimeOffset, ReviewWindows)"/>, with the review statuses already evaluated at <paramref name="now"/>.</summary>
    public static IReadOnlyList<RiskFact> ForChild(ChildState child, DateTimeOffset now, ReviewWindows schedule, IReadOnlyList<ReviewStatus> reviews)
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(reviews);
        var calendar = schedule.Calendar;
        var today = calendar.DayOf(now);
        if (HealthyChildProgramme.HasLeft(child, today))
        {
            return ChildFactsNotHolding;
        }

        var facts = new List<RiskFact>(10)
        {
            Flag(LateAntenatalBooking, child.GestationAtBooking > LateBookingAfterWeeks, child.BookingEventId),
        };

        facts.Add(Overdue(reviews));

        var recent = calendar.StartOfMonthsEndingOn(today, RecentMonths);
        facts.Add(Count(WasNotBrought, Within(child, child.MissedEntries, recent, now)));
        facts.Add(Count(AeAttendances, Within(child, child.AeEntries, recent, now)));

        var asq3 = schedule.LatestAsq3(child);
        facts.Add(Flag(Asq3BelowCutoff, asq3 is not null && schedule.Asq3Cutoffs.DomainsBelow(asq3.Asq3!).Count > 0, asq3?.EventId));

        facts.Add(Count(ImmunisationsMissed, child.MissedVaccineEventIds()));

        facts.Add(Flag(NotRegisteredWithCentre, child.KnownFromBirthRecord && !child.RegisteredWithCentre, child.BirthEventId));
        facts.Add(child.RegisteredWithCentre
            ? Flag(RegisteredWithCentre, true, Within(child, child.CentreEntries, DateTimeOffset.MinValue, DateTimeOffset.MaxValue))
            : NotHolding[RegisteredWithCentre]);

        var sessions = Within(child, child.SessionEntries, calendar.StartOfMonthsEndingOn(today, LatelyMonths), now);
        facts.Add(Flag(AttendsSessions, sessions.Length > 0, sessions));
        facts.Add(Flag(
            NotRegisteredWithCentreBy8Weeks,
            child.KnownFromBirthRecord && !child.RegisteredWithCentre && RegistrationOverdueFrom(child) <= today,
            child.BirthEventId));
        return facts;
    }

    /// <summary>As <see cref="ForFamily(FamilyState, DateTimeOffset, ProgrammeCalendar)"/>, in Queen's Park's calendar.</summary>
    public static IReadOnlyList<RiskFact> ForFamily(FamilyState family, DateTimeOffset now) => ForFamily(family, now, ProgrammeCalendar.QueensPark);

    /// <param name="now">Counts "in the last 12 months / 3 months" of <paramref name="calendar"/> back from here; later events are not counted.</param>
    public static IReadOnlyList<RiskFact> ForFamily(FamilyState family, DateTimeOffset now, ProgrammeCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(family);
        ArgumentNullException.ThrowIfNull(calendar);
        var facts = new List<RiskFact>(11);
        var open = family.OpenConcerns;
        foreach (var concern in Concerns)
        {
            OpenConcern? match = null;
            foreach (var candidate in open)
            {
                if (candidate.Concern == concern)
                {
                    match = candidate;
                    break;
                }
            }

            facts.Add(Flag(ConcernFacts[(int)concern], match is not null, match?.EventIds ?? []));
        }

        facts.Add(Flag(YoungParent, family.YoungParent?.Value == true, family.YoungParent?.EventId));
        facts.Add(Flag(
            HousingInsecure,
            family.Housing?.Value is Housing.TemporaryAccommodation or Housing.Overcrowded or Housing.Homeless,
            family.Housing?.EventId));

        var today = calendar.DayOf(now);
        facts.Add(Count(ChampionEngaged, OutreachWithin(family.Champions, calendar.StartOfMonthsEndingOn(today, RecentMonths), now), holdsAsFlag: true));
        facts.Add(Count(AttendsDropIns, Within(family.SessionsAttended, calendar.StartOfMonthsEndingOn(today, LatelyMonths), now), holdsAsFlag: true));
        facts.Add(Flag(GpRegistered, family.GpRegistered?.Value == true, family.GpRegistered?.EventId));
        facts.Add(Count(FamilyAttendsDropIns, Within(family.DropInsAttended, calendar.StartOfMonthsEndingOn(today, LatelyMonths), now), holdsAsFlag: true));
        return facts;
    }

    /// <summary>
    /// The next instant at which some child fact changes with no new event: a review window opens or
    /// closes, a contact leaves its 12-month or 3-month look-back, an unregistered baby's grace for the children's centre
    /// ends (<see cref="RegistrationGraceWeeks"/>), or the child turns five and leaves the
    /// programme (<see cref="HealthyChildProgramme"/>). Null when nothing is pending.
    /// </summary>
    public static DateTimeOffset? NextChange(ChildState child, DateTimeOffset now) => NextChange(child, now, ReviewWindows.Default);

    /// <inheritdoc cref="NextChange(ChildState, DateTimeOffset)"/>
    public static DateTimeOffset? NextChange(ChildState child, DateTimeOffset now, ReviewWindows schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return NextChange(child, now, schedule, schedule.Evaluate(child ?? throw new ArgumentNullException(nameof(child)), now));
    }

    /// <summary>As <see cref="NextChange(ChildState, DateTimeOffset, ReviewWindows)"/>, with the review statuses already evaluated at <paramref name="now"/>.</summary>
    public static DateTimeOffset? NextChange(ChildState child, DateTimeOffset now, ReviewWindows schedule, IReadOnlyList<ReviewStatus> reviews)
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(schedule);
        var calendar = schedule.Calendar;
        var today = calendar.DayOf(now);
        if (HealthyChildProgramme.HasLeft(child, today))
        {
            return null;
        }

        // The fifth birthday ends every child fact, and the registration grace ends, with no event to prompt a new assessment.
        var next = Earliest(schedule.NextChange(reviews, now), schedule.LeavingChange(child, now));
        next = Earliest(next, RegistrationGraceChange(child, today, now, calendar));
        next = Earliest(next, NextLookBackChange(child.MissedEntries, RecentMonths, today, now, calendar));
        next = Earliest(next, NextLookBackChange(child.AeEntries, RecentMonths, today, now, calendar));
        return Earliest(next, NextLookBackChange(child.SessionEntries, LatelyMonths, today, now, calendar));
    }

    /// <summary>
    /// What time alone changes for <paramref name="child"/> at <paramref name="at"/>, an instant <see cref="NextChange(ChildState, DateTimeOffset, ReviewWindows)"/>
    /// named: every kind of change that falls exactly then (several may share a programme midnight), judged from the state
    /// an instant before, so a live grain and a replay that reach <paramref name="at"/> from different instants name the same.
    /// </summary>
    public static TimeChanges ChangesAt(ChildState child, DateTimeOffset at, ReviewWindows schedule)
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(schedule);
        var before = at.AddTicks(-1);
        var calendar = schedule.Calendar;
        var today = calendar.DayOf(before);
        if (HealthyChildProgramme.HasLeft(child, today))
        {
            return TimeChanges.None;
        }

        var changes = TimeChanges.None;
        changes |= Falls(schedule.NextChange(schedule.Evaluate(child, before), before), at, TimeChanges.ReviewWindow);
        changes |= Falls(schedule.LeavingChange(child, before), at, TimeChanges.FifthBirthday);
        changes |= Falls(RegistrationGraceChange(child, today, before, calendar), at, TimeChanges.RegistrationGraceEnded);
        changes |= Falls(NextLookBackChange(child.MissedEntries, RecentMonths, today, before, calendar), at, TimeChanges.LookBack);
        changes |= Falls(NextLookBackChange(child.AeEntries, RecentMonths, today, before, calendar), at, TimeChanges.LookBack);
        changes |= Falls(NextLookBackChange(child.SessionEntries, LatelyMonths, today, before, calendar), at, TimeChanges.LookBack);
        return changes;
    }

    /// <summary>As the child overload, for the family's own facts (its look-backs); its children's changes are theirs.</summary>
    public static TimeChanges ChangesAt(FamilyState family, DateTimeOffset at, ProgrammeCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(family);
        ArgumentNullException.ThrowIfNull(calendar);
        var before = at.AddTicks(-1);
        var today = calendar.DayOf(before);
        var changes = Falls(NextLookBackChange(family.SessionsAttended, LatelyMonths, today, before, calendar), at, TimeChanges.LookBack);
        foreach (var champion in family.Champions)
        {
            changes |= Falls(NextLookBackChange(champion.Outreaches, RecentMonths, today, before, calendar), at, TimeChanges.LookBack);
        }

        return changes;
    }

    private static TimeChanges Falls(DateTimeOffset? change, DateTimeOffset at, TimeChanges kind) =>
        change is { } instant && instant.UtcTicks == at.UtcTicks ? kind : TimeChanges.None;

    /// <summary>The first day a born child not registered with the children's centre counts as unregistered: the day after it is 8 weeks old.</summary>
    private static DateOnly? RegistrationOverdueFrom(ChildState child) =>
        child.DateOfBirth?.AddDays((RegistrationGraceWeeks * 7) + 1);

    /// <summary>The programme's midnight when <see cref="NotRegisteredWithCentreBy8Weeks"/> starts to hold, while it is ahead.</summary>
    private static DateTimeOffset? RegistrationGraceChange(ChildState child, DateOnly today, DateTimeOffset now, ProgrammeCalendar calendar) =>
        child.KnownFromBirthRecord && !child.RegisteredWithCentre && RegistrationOverdueFrom(child) is { } from && today < from
            ? calendar.StartOf(from).ToOffset(now.Offset)
            : null;

    /// <summary>As <see cref="NextChange(FamilyState, DateTimeOffset, ProgrammeCalendar)"/>, in Queen's Park's calendar.</summary>
    public static DateTimeOffset? NextChange(FamilyState family, DateTimeOffset now) => NextChange(family, now, ProgrammeCalendar.QueensPark);

    /// <summary>The next instant at which some family fact changes with no new event (see the child overload).</summary>
    public static DateTimeOffset? NextChange(FamilyState family, DateTimeOffset now, ProgrammeCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(family);
        ArgumentNullException.ThrowIfNull(calendar);
        var today = calendar.DayOf(now);

        // The family's drop-ins are among its sessions, so the sessions' look-back already names every change theirs makes.
        var next = NextLookBackChange(family.SessionsAttended, LatelyMonths, today, now, calendar);
        foreach (var champion in family.Champions)
        {
            next = Earliest(next, NextLookBackChange(champion.Outreaches, RecentMonths, today, now, calendar));
        }

        return next;
    }

    /// <summary>
    /// When a contact enters a look-back of <paramref name="months"/> (it is dated ahead of now: at its instant) or leaves
    /// it (at the programme's midnight starting the first day whose months no longer hold the contact's day), stated in
    /// now's offset. Leaving moves forward with the contact's instant, so only the earliest contact still counted, and
    /// the earliest one ahead, can be next: one day is worked out per look-back, not one per contact.
    /// </summary>
    private static DateTimeOffset? NextLookBackChange(ValueList<Occurrence> occurrences, int months, DateOnly today, DateTimeOffset now, ProgrammeCalendar calendar)
    {
        var from = calendar.StartOfMonthsEndingOn(today, months).UtcTicks;
        DateTimeOffset? counted = null, ahead = null;
        foreach (var occurrence in occurrences)
        {
            Note(occurrence.At, from, now, ref counted, ref ahead);
        }

        return LookBackChange(counted, ahead, months, now, calendar);
    }

    /// <inheritdoc cref="NextLookBackChange(ValueList{Occurrence}, int, DateOnly, DateTimeOffset, ProgrammeCalendar)"/>
    private static DateTimeOffset? NextLookBackChange(ReadOnlySpan<ChildEntry> entries, int months, DateOnly today, DateTimeOffset now, ProgrammeCalendar calendar)
    {
        var from = calendar.StartOfMonthsEndingOn(today, months).UtcTicks;
        DateTimeOffset? counted = null, ahead = null;
        foreach (var entry in entries)
        {
            if (entry.UtcTicks >= from)
            {
                Note(entry.At, from, now, ref counted, ref ahead);
            }
        }

        return LookBackChange(counted, ahead, months, now, calendar);
    }

    /// <summary>Keeps the earliest contact counted now (on or after <paramref name="from"/>) and the earliest one ahead of now.</summary>
    private static void Note(DateTimeOffset at, long from, DateTimeOffset now, ref DateTimeOffset? counted, ref DateTimeOffset? ahead)
    {
        if (at > now)
        {
            ahead = ahead is { } a && a <= at ? a : at;
        }
        else if (at.UtcTicks >= from)
        {
            counted = counted is { } c && c <= at ? c : at;
        }
    }

    private static DateTimeOffset? LookBackChange(DateTimeOffset? counted, DateTimeOffset? ahead, int months, DateTimeOffset now, ProgrammeCalendar calendar)
    {
        DateTimeOffset? leaves = counted is { } at
            ? calendar.StartOf(ProgrammeCalendar.FirstDayOutsideMonths(calendar.DayOf(at), months)).ToOffset(now.Offset)
            : null;
        return Earliest(leaves, ahead?.ToOffset(now.Offset));
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? left, DateTimeOffset? right) =>
        left is null ? right : right is null ? left : left < right ? left : right;

    private static RiskFact Flag(string id, bool holds, string? eventId) =>
        holds ? new RiskFact(id, 1, eventId is null ? [] : [eventId]) : NotHolding[id];

    private static RiskFact Flag(string id, bool holds, IReadOnlyList<string> eventIds) =>
        holds ? new RiskFact(id, 1, eventIds) : NotHolding[id];

    /// <summary>
    /// How many reviews' windows closed unrecorded, with the events that anchor them, each once: the overdue ones and the
    /// missed ones (an antenatal contact that can no longer be given is a missed mandated review, BRIEF.md's "missed or
    /// overdue mandated reviews", so it counts as it always did; only its name changed).
    /// </summary>
    private static RiskFact Overdue(IReadOnlyList<ReviewStatus> reviews)
    {
        // Indexed loops: the lists are small, and enumerating them through their interfaces allocates.
        var count = 0;
        List<string>? ids = null;
        for (var r = 0; r < reviews.Count; r++)
        {
            var review = reviews[r];
            if (review.Status is not (ReviewState.Overdue or ReviewState.Missed))
            {
                continue;
            }

            count++;
            var anchors = review.AnchorEventIds;
            for (var a = 0; a < anchors.Count; a++)
            {
                ids ??= new List<string>(anchors.Count);
                if (!ContainsOrdinal(ids, anchors[a]))
                {
                    ids.Add(anchors[a]);
                }
            }
        }

        return count == 0 ? NotHolding[OverdueReviews] : new RiskFact(OverdueReviews, count, ids is null ? [] : ids.ToArray());
    }

    private static bool ContainsOrdinal(List<string> ids, string id)
    {
        foreach (var held in ids)
        {
            if (string.Equals(held, id, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The ids of a child's records from <paramref name="from"/> on and no later than <paramref name="to"/>, without building the records.</summary>
    private static string[] Within(ChildState child, ReadOnlySpan<ChildEntry> entries, DateTimeOffset from, DateTimeOffset to)
    {
        long start = from.UtcTicks, until = to.UtcTicks;
        var count = 0;
        foreach (var entry in entries)
        {
            count += entry.UtcTicks >= start && entry.UtcTicks <= until ? 1 : 0;
        }

        if (count == 0)
        {
            return [];
        }

        var ids = new string[count];
        count = 0;
        foreach (var entry in entries)
        {
            if (entry.UtcTicks >= start && entry.UtcTicks <= until)
            {
                ids[count++] = child.EventIdOf(entry);
            }
        }

        return ids;
    }

    /// <summary>A count of events, or with <paramref name="holdsAsFlag"/> 1 when there is any.</summary>
    private static RiskFact Count(string id, string[] eventIds, bool holdsAsFlag = false) =>
        eventIds.Length == 0 ? NotHolding[id] : new(id, holdsAsFlag ? 1 : eventIds.Length, eventIds);

    /// <summary>The ids of occurrences from <paramref name="from"/> on and no later than <paramref name="to"/>, in their order.</summary>
    private static string[] Within(ValueList<Occurrence> occurrences, DateTimeOffset from, DateTimeOffset to)
    {
        var count = 0;
        foreach (var occurrence in occurrences)
        {
            count += occurrence.At >= from && occurrence.At <= to ? 1 : 0;
        }

        if (count == 0)
        {
            return [];
        }

        var ids = new string[count];
        count = 0;
        foreach (var occurrence in occurrences)
        {
            if (occurrence.At >= from && occurrence.At <= to)
            {
                ids[count++] = occurrence.EventId;
            }
        }

        return ids;
    }

    /// <summary>The ids of every champion's outreach in the window, oldest first (ties as <see cref="ByTime{T}"/> orders them).</summary>
    private static string[] OutreachWithin(ValueList<ChampionLink> champions, DateTimeOffset from, DateTimeOffset to)
    {
        List<Occurrence>? within = null;
        foreach (var champion in champions)
        {
            foreach (var outreach in champion.Outreaches)
            {
                if (outreach.At >= from && outreach.At <= to)
                {
                    (within ??= []).Add(outreach);
                }
            }
        }

        if (within is null)
        {
            return [];
        }

        // A stable sort, as the OrderBy it replaces: outreaches at the same instant keep the champions' order.
        var ordered = within.Order(ByTime<Occurrence>.Instance).ToArray();
        var ids = new string[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            ids[i] = ordered[i].EventId;
        }

        return ids;
    }
}
