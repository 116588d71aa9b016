namespace QpActors.Simulation.Generation;

/// <summary>
/// Plans one child's contacts (and, for a family's first child, the family's own contacts) from pregnancy
/// to about three years old. Pure: the same ward, seed and index always give the same sorted plan.
/// </summary>
internal static class ChildPlanner
{
    public const int MaxContacts = 160;

    internal const short HealthVisiting = 0;
    internal const short Midwifery = 1;
    internal const short ChildrensCentre = 2;
    internal const short MaternityDropIn = 3;
    internal const short SoundsLikeFun = 4;

    /// <summary>Referral routes (from, to) and how common each is.</summary>
    internal static readonly (short From, short To, double Weight)[] ReferralRoutes =
    [
        (HealthVisiting, ChildrensCentre, 0.45),
        (HealthVisiting, SoundsLikeFun, 0.2),
        (Midwifery, HealthVisiting, 0.15),
        (ChildrensCentre, HealthVisiting, 0.1),
        (HealthVisiting, MaternityDropIn, 0.1),
    ];

    /// <summary>Which service records each concern (index into <see cref="WireVocabulary.Concerns"/>).</summary>
    internal static readonly short[] ConcernRecorders = [HealthVisiting, HealthVisiting, Midwifery, ChildrensCentre, HealthVisiting];

    internal static readonly string[] AeReasons = ["minor-injury", "fever", "breathing-difficulty", "feeding-problem", "rash", "other"];

    internal static readonly (string Vaccine, int Day)[] Immunisations =
        [("dtap-ipv-hib-hepb-1", 56), ("dtap-ipv-hib-hepb-2", 84), ("dtap-ipv-hib-hepb-3", 112), ("mmr-1", 365)];

    private const long Day = TimeSpan.TicksPerDay;
    private const long Week = 7 * Day;
    private const long Minute = TimeSpan.TicksPerMinute;
    private const long Hour = TimeSpan.TicksPerHour;

    private static readonly int[] GestationAtBirth = [37, 38, 39, 39, 40, 40, 40, 40, 41, 41, 42];

    public static int Plan(WardTimeline ward, int child, PlannedContact[] plan)
    {
        var count = 0;
        var rates = ward.Rates;
        var rng = DeterministicRandom.For(ward.Key, child, Purpose.Child);
        var birth = ward.BirthTicks(child);
        // The day of birth as the events date it (the programme's calendar), at midnight on a UTC tick scale: a planned
        // day plus AtWork's 09:00-17:00 UTC falls on that same date in the programme's zone (London is UTC+0 or +1), so
        // a review planned 14 days after birth is dated 14 days after the posted date of birth.
        var birthDay = ward.BirthDay(child).ToDateTime(TimeOnly.MinValue).Ticks;
        var lowerBound = birth - WardTimeline.MaxLead;
        var root = ward.FamilyRoot(child);
        var isRoot = root == child;
        var traits = ward.Traits(root);
        var registered = ward.IsRegistered(child);

        void Add(long ticks, ContactKind kind, short a = 0, short b = 0, int c = 0)
        {
            if (count < plan.Length)
            {
                plan[count++] = new PlannedContact(WholeSecond(Math.Max(ticks, lowerBound)), kind, a, b, c);
            }
        }

        // Pregnancy: most mothers book with the local midwives, some late (after 12 weeks).
        var booked = rng.Chance(rates.BookedLocallyShare);
        var gestationAtBirth = GestationAtBirth[rng.Next(0, GestationAtBirth.Length)];
        var gestationAtBooking = rng.Chance(rates.LateBookingShare) ? rng.Next(13, 25) : rng.Next(7, 13);
        var booking = AtWork(birthDay - ((gestationAtBirth - gestationAtBooking) * Week), ref rng);
        var notified = birth + rng.NextLong(2 * Hour, 36 * Hour);
        if (booked)
        {
            var dueDate = ward.Calendar.DayOf(new DateTimeOffset(booking, TimeSpan.Zero)).AddDays(7 * (40 - gestationAtBooking));
            if (isRoot)
            {
                Add(booking - Minute, ContactKind.FamilyRegistered, Midwifery);
            }

            Add(booking, ContactKind.PregnancyBooked, (short)gestationAtBooking, 0, dueDate.DayNumber);
            if (rng.Chance(rates.AntenatalReviewShare))
            {
                var from = Math.Max(booking + Day, birthDay - ((gestationAtBirth - 28) * Week));
                var at = AtWork(from + (rng.Next(0, 28) * Day), ref rng);
                if (at < birthDay)
                {
                    Add(at, ContactKind.ReviewCompleted, 0);
                }
            }

            if (rng.Chance(rates.MaternityDropInShare))
            {
                var visits = 1 + rng.Next(0, 6);
                for (var v = 0; v < visits; v++)
                {
                    var day = booking + (rng.NextLong(7, Math.Max(8, ((birthDay - booking) / Day) + 180)) * Day);
                    Add(ward.NextSession(day, maternity: true, ref rng), ContactKind.SessionAttended, 1, (short)traits.MaternityChampion);
                }
            }

            if (isRoot && rng.Chance(rates.MaternityOutreachShare))
            {
                var at = AtWork(booking + (rng.NextLong(0, Math.Max(1, (birthDay - booking) / Day)) * Day), ref rng);
                Add(at, ContactKind.ChampionOutreach, (short)traits.MaternityChampion, rng.Chance(0.5) ? Midwifery : MaternityDropIn, 1);
            }
        }
        else if (isRoot)
        {
            Add(notified - Minute, ContactKind.FamilyRegistered, Midwifery);
        }

        Add(notified, ContactKind.BirthNotified);

        // The mandated reviews, on time, late or not at all (OHID C2, C8i, C4/C5, C6).
        Review(1, rates.NewBirthVisitWithin14Days, rates.NewBirthVisitAfter14Days, (10, 15), (15, 31), ref rng);
        Review(2, rates.SixToEightWeekBy8Weeks, rates.SixToEightWeekLate, (42, 57), (57, 91), ref rng);
        Review(3, rates.OneYearBy12Months, rates.OneYearBy15Months, (300, 366), (366, 457), ref rng);
        Review(4, rates.TwoYearReview, 0, (730, 913), (0, 0), ref rng);

        for (short dose = 0; dose < Immunisations.Length; dose++)
        {
            var due = birthDay + (Immunisations[dose].Day * Day) + (rng.Next(0, 14) * Day);
            if (rng.Chance(rates.ImmunisationGivenShare))
            {
                Add(AtWork(due, ref rng), ContactKind.ImmunisationGiven, dose);
            }
            else
            {
                Add(AtWork(due, ref rng), ContactKind.ImmunisationMissed, dose);
                if (rng.Chance(rates.ImmunisationCatchUpShare))
                {
                    Add(AtWork(due + (rng.Next(14, 61) * Day), ref rng), ContactKind.ImmunisationGiven, dose);
                }
            }
        }

        // A&E: a few frequent attenders carry much of the load.
        var aeRate = rates.AeAttendancesPerChildYear * (rng.Chance(rates.FrequentAttenderShare) ? 4 : 0.75);
        var attendances = Math.Min(8, rng.Poisson(aeRate * 3));
        for (var a = 0; a < attendances; a++)
        {
            Add(birth + Day + rng.NextLong(0, 3 * 365 * Day), ContactKind.AeAttendance, (short)rng.Next(0, AeReasons.Length));
        }

        if (registered)
        {
            var lag = 3 + Math.Min(90, (long)rng.Exponential(15));
            Add(AtWork(birthDay + (lag * Day), ref rng), ContactKind.CentreRegistered);
        }

        if (rng.Chance(registered ? rates.SoundsLikeFunShareRegistered : rates.SoundsLikeFunShareUnregistered))
        {
            var sessions = Math.Min(20, 1 + rng.Poisson(Math.Max(0, rates.SoundsLikeFunMeanSessions - 1)));
            for (var s = 0; s < sessions; s++)
            {
                var day = birthDay + (rng.NextLong(90, 913) * Day);
                Add(ward.NextSession(day, maternity: false, ref rng), ContactKind.SessionAttended, 0);
            }
        }

        if (rng.Chance(rates.ReferralShare))
        {
            var route = PickRoute(ref rng);
            var made = AtWork(birthDay + (rng.Next(14, 366) * Day), ref rng);
            Add(made, ContactKind.ReferralMade, route);
            var outcome = rng.NextDouble();
            var answered = AtWork(made + (rng.Next(3, 21) * Day), ref rng);
            if (outcome < rates.ReferralAcceptedShare)
            {
                Add(answered, ContactKind.ReferralAccepted, route);
            }
            else if (outcome < rates.ReferralAcceptedShare + rates.ReferralDeclinedShare)
            {
                Add(answered, ContactKind.ReferralDeclined, route);
            }
        }

        if (isRoot)
        {
            count = PlanFamily(ward, root, traits, registered, booked ? booking : notified, birthDay, plan, count, lowerBound);
        }

        plan.AsSpan(0, count).Sort(PlannedContact.Compare);
        return count;

        void Review(short review, double onTime, double late, (int From, int To) window, (int From, int To) lateWindow, ref DeterministicRandom r)
        {
            var u = r.NextDouble();
            var due = birthDay + (r.Next(window.From, window.To) * Day);
            if (u < onTime)
            {
                Add(AtWork(due, ref r), ContactKind.ReviewCompleted, review, 0, ReviewDetail(review, ref r));
                return;
            }

            // Late or never: a "was not brought" often comes first.
            if (r.Chance(rates.WasNotBroughtShare))
            {
                Add(AtWork(due, ref r), ContactKind.AppointmentMissed, HealthVisiting);
            }

            if (u < onTime + late)
            {
                var at = birthDay + (r.Next(lateWindow.From, lateWindow.To) * Day);
                Add(AtWork(at, ref r), ContactKind.ReviewCompleted, review, 0, ReviewDetail(review, ref r));
            }
        }

        int ReviewDetail(short review, ref DeterministicRandom r)
        {
            if (review != 4 || !r.Chance(rates.TwoYearWithAsq3))
            {
                return 0;
            }

            // Bit 0 says ASQ-3 was used; the rest seeds the scores.
            var below = r.Chance(rates.Asq3BelowCutoffShare) ? 2 : 0;
            return 1 | below | (r.Next(0, 1 << 20) << 2);
        }
    }

    private static int PlanFamily(WardTimeline ward, int root, FamilyTraits traits, bool registered, long firstContact, long birthDay, PlannedContact[] plan, int count, long lowerBound)
    {
        var rates = ward.Rates;
        var rng = DeterministicRandom.For(ward.Key, root, Purpose.FamilyEvents);

        void Add(long ticks, ContactKind kind, short a = 0, short b = 0, int c = 0)
        {
            if (count < plan.Length)
            {
                plan[count++] = new PlannedContact(WholeSecond(Math.Max(ticks, lowerBound)), kind, a, b, c);
            }
        }

        var levelSet = false;
        for (short concern = 0; concern < WireVocabulary.Concerns.Count; concern++)
        {
            var share = ward.ConcernShares[concern];
            if (concern == 3 && traits.HousingInsecure)
            {
                share = Math.Min(1, share * 3);
            }

            if (!rng.Chance(share))
            {
                continue;
            }

            var raised = AtWork(firstContact + Day + (rng.NextLong(0, 2 * 365) * Day), ref rng);
            Add(raised, ContactKind.ConcernRaised, concern);
            var resolved = rng.Chance(rates.ConcernResolvedShare);
            var resolvedAt = AtWork(raised + (rng.Next(30, 271) * Day), ref rng);
            if (resolved)
            {
                Add(resolvedAt, ContactKind.ConcernResolved, concern);
            }

            if (!levelSet)
            {
                // The first concern moves the family up a level; resolving it brings them back to universal.
                levelSet = true;
                short level = concern is 1 or 2 or 4 ? (short)2 : (short)1;
                Add(AtWork(raised + (rng.Next(1, 15) * Day), ref rng), ContactKind.ServiceLevelSet, level, concern);
                if (resolved)
                {
                    Add(AtWork(resolvedAt + (rng.Next(1, 15) * Day), ref rng), ContactKind.ServiceLevelSet, 0, concern);
                }
            }
        }

        // Community champions seek out families the children's centre has not reached.
        if (rng.Chance(registered ? rates.OutreachShareRegistered : rates.OutreachShareUnregistered))
        {
            var contacts = 1 + rng.Next(0, 3);
            for (var k = 0; k < contacts; k++)
            {
                var at = AtWork(birthDay - (90 * Day) + (rng.NextLong(0, 2 * 365) * Day), ref rng);
                var draw = rng.NextDouble();
                var signpost = draw < 0.2 ? (short)-1
                    : !registered && draw < 0.7 ? ChildrensCentre
                    : (short)rng.Next(0, WireVocabulary.Services.Count);
                Add(at, ContactKind.ChampionOutreach, (short)traits.CommunityChampion, signpost, 0);
            }
        }

        if (rng.Chance(ward.SurveyShare))
        {
            // Within a year either side of the birth, but before the as-of date so a run's surveys match its totals.
            var from = birthDay - (200 * Day);
            var to = Math.Min(birthDay + (365 * Day), ward.AsOfTicks - (3 * Day));
            var day = from + (rng.NextLong(0, Math.Max(1, (to - from) / Day)) * Day);
            Add(AtWork(day, ref rng), ContactKind.SurveyCompleted, (short)traits.CommunityChampion, 0, rng.Next(0, 1 << 20));
        }

        if (traits.HousingInsecure && rng.Chance(rates.RehousedShare))
        {
            Add(AtWork(firstContact + (rng.NextLong(30, 2 * 365) * Day), ref rng), ContactKind.FamilyDetailsChanged, 0, ChildrensCentre);
        }

        return count;
    }

    private static short PickRoute(ref DeterministicRandom rng)
    {
        var u = rng.NextDouble() * ReferralRoutes.Sum(r => r.Weight);
        for (short i = 0; i < ReferralRoutes.Length; i++)
        {
            if (u < ReferralRoutes[i].Weight)
            {
                return i;
            }

            u -= ReferralRoutes[i].Weight;
        }

        return 0;
    }

    /// <summary>The wire format carries whole seconds; rounding up keeps a contact at or after its lower bound.</summary>
    internal static long WholeSecond(long ticks)
    {
        var rest = ticks % TimeSpan.TicksPerSecond;
        return rest == 0 ? ticks : ticks + TimeSpan.TicksPerSecond - rest;
    }

    /// <summary>A time within working hours (09:00-17:00, Monday to Friday) on or after the given day.</summary>
    internal static long AtWork(long ticks, ref DeterministicRandom rng)
    {
        var day = ticks - (ticks % Day);
        var weekday = new DateTime(day).DayOfWeek;
        day += weekday switch
        {
            DayOfWeek.Saturday => 2 * Day,
            DayOfWeek.Sunday => Day,
            _ => 0,
        };
        return day + (9 * Hour) + (rng.Next(0, 8 * 60) * Minute);
    }
}
