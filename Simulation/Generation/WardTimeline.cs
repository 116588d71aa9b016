using System.Globalization;

namespace QpActors.Simulation.Generation;

/// <summary>
/// One ward's population as pure functions of a child's index: birth time, family, traits, registration.
/// Nothing here is stored per child, so any child's life can be replayed on demand.
/// </summary>
internal sealed class WardTimeline
{
    public const long TicksPerDay = TimeSpan.TicksPerDay;

    /// <summary>No contact of a child happens earlier than this before its birth (booking at 7 of 42 weeks, plus slack).</summary>
    public static readonly long MaxLead = TimeSpan.FromDays(36 * 7).Ticks;

    // Irrational strides give near-exact shares over any run of children (low-discrepancy), so headline
    // figures such as "692 of 1,020 registered" hold closely for every seed instead of drifting binomially.
    private const double RegistrationStride = 0.6180339887498949;
    private const double HousingStride = 0.4142135623730951;

    private const long SiblingGapMinDays = 450;
    private const long SiblingGapMaxDays = 1460;

    private readonly double _slotTicks;
    private readonly double _registrationOffset;
    private readonly double _housingOffset;
    private readonly (string Housing, double Share)[] _otherHousing;
    private readonly long[] _weekSlotOffsets;
    private readonly bool[] _weekSlotIsMaternity;
    private readonly long _firstWeekStart;

    public WardTimeline(WardProfile profile, int slot, int children, GeneratorOptions options)
    {
        Profile = profile;
        Slot = slot;
        Children = children;
        Seed = options.Seed;
        Key = DeterministicRandom.Mix((ulong)(uint)options.Seed) ^ DeterministicRandom.StableHash(profile.Code);
        Calendar = options.Calendar;
        StartTicks = options.StartsAt.UtcTicks;
        AsOfTicks = options.AsOf.UtcTicks;
        _slotTicks = (double)(AsOfTicks - StartTicks) / children;
        IdStem = string.Create(CultureInfo.InvariantCulture, $"syn-s{options.Seed}-{profile.IdPrefix}");
        var offsets = DeterministicRandom.For(Key, -1, Purpose.Offsets);
        _registrationOffset = offsets.NextDouble();
        _housingOffset = offsets.NextDouble();

        var mix = profile.Rates.OtherHousingMix.Where(kv => kv.Key != "social-rented" && kv.Value > 0).ToArray();
        var total = mix.Sum(kv => kv.Value);
        _otherHousing = total > 0
            ? mix.Select(kv => (kv.Key, kv.Value / total)).ToArray()
            : [("private-rented", 1.0)];

        (_weekSlotOffsets, _weekSlotIsMaternity) = WeeklySessions(profile);
        SurveyShare = SimulationTotals.SurveyShare(profile, options.Years);
        ConcernShares = WireVocabulary.Concerns.Select(c => profile.Rates.ConcernShares.GetValueOrDefault(c)).ToArray();
        var start = options.Start.ToDateTime(TimeOnly.MinValue);
        _firstWeekStart = start.AddDays(-(((int)start.DayOfWeek + 6) % 7)).Ticks;
    }

    public WardProfile Profile { get; }

    public int Slot { get; }

    public int Children { get; }

    public int Seed { get; }

    public ulong Key { get; }

    public long StartTicks { get; }

    public long AsOfTicks { get; }

    public string IdStem { get; }

    public CareRates Rates => Profile.Rates;

    /// <summary>Chance that a family answers a champion's survey, so the ward's surveys per year come out right.</summary>
    public double SurveyShare { get; }

    /// <summary>Chance of each concern (in <see cref="WireVocabulary.Concerns"/> order) over a family's time in the run.</summary>
    public IReadOnlyList<double> ConcernShares { get; }

    public int DropInsPerWeek => _weekSlotOffsets.Length;

    /// <summary>The programme's calendar, whose dates the events carry.</summary>
    public ProgrammeDays Calendar { get; }

    /// <summary>The child's date of birth: the programme's date at the instant of birth (23:30 UTC in summer is the next day in London).</summary>
    public DateOnly BirthDay(int child) => Calendar.DayOf(new DateTimeOffset(BirthTicks(child), TimeSpan.Zero));

    public long BirthTicks(int child)
    {
        var jitter = DeterministicRandom.For(Key, child, Purpose.Birth).NextDouble();
        return StartTicks + (long)((child + jitter) * _slotTicks);
    }

    public long LowerBound(int child) => BirthTicks(child) - MaxLead;

    /// <summary>The index of the family's first child in the period (its own index if it is the first).</summary>
    public int FamilyRoot(int child)
    {
        var current = child;
        for (var guard = 0; guard < 32; guard++)
        {
            var rng = DeterministicRandom.For(Key, current, Purpose.Sibling);
            if (!rng.Chance(Rates.SiblingShare))
            {
                return current;
            }

            var gapTicks = rng.NextLong(SiblingGapMinDays, SiblingGapMaxDays) * TicksPerDay;
            var lag = Math.Max(1, (int)Math.Round(gapTicks / _slotTicks));
            if (lag > current)
            {
                return current;
            }

            current -= lag;
        }

        return current;
    }

    public bool IsRegistered(int child) =>
        DeterministicRandom.Frac((child * RegistrationStride) + _registrationOffset) < Profile.CentreRegistrationShare;

    public FamilyTraits Traits(int root)
    {
        var rng = DeterministicRandom.For(Key, root, Purpose.Family);
        var housing = 0;
        if (DeterministicRandom.Frac((root * HousingStride) + _housingOffset) >= Profile.SocialHousingShare)
        {
            var u = rng.NextDouble();
            var chosen = _otherHousing[^1].Housing;
            foreach (var (name, share) in _otherHousing)
            {
                if (u < share)
                {
                    chosen = name;
                    break;
                }

                u -= share;
            }

            housing = IndexOf(WireVocabulary.Housing, chosen);
        }

        return new FamilyTraits(
            housing,
            rng.Chance(Rates.YoungParentShare),
            rng.Chance(Rates.GpRegisteredShare),
            1 + rng.Next(0, Profile.CommunityChampions),
            1 + rng.Next(0, Profile.MaternityChampions));
    }

    public string FamilyId(int root) => string.Create(CultureInfo.InvariantCulture, $"{IdStem}-f{root:D6}");

    public string ChildId(int child) => string.Create(CultureInfo.InvariantCulture, $"{IdStem}-c{child:D6}");

    public string ChildEventId(int child, int ordinal) => string.Create(CultureInfo.InvariantCulture, $"{IdStem}-c{child:D6}-{ordinal:D2}");

    public string DropInEventId(long ordinal) =>
        string.Create(CultureInfo.InvariantCulture, $"{IdStem}-d{ordinal / DropInsPerWeek:D4}-{ordinal % DropInsPerWeek}");

    public string ReferralId(int child) => string.Create(CultureInfo.InvariantCulture, $"{IdStem}-r{child:D6}");

    /// <summary>The first drop-in at or after the start of the period.</summary>
    public long FirstDropIn()
    {
        if (DropInsPerWeek == 0)
        {
            return -1;
        }

        long ordinal = 0;
        while (DropInTicks(ordinal) < StartTicks)
        {
            ordinal++;
        }

        return ordinal;
    }

    public long DropInTicks(long ordinal) =>
        _firstWeekStart + (ordinal / DropInsPerWeek * 7 * TicksPerDay) + _weekSlotOffsets[ordinal % DropInsPerWeek];

    public PlannedContact DropIn(long ordinal)
    {
        var week = ordinal / DropInsPerWeek;
        var maternity = _weekSlotIsMaternity[ordinal % DropInsPerWeek];
        var rng = DeterministicRandom.For(Key, -2 - ordinal, Purpose.DropIn);
        var scale = Children / Math.Max(1.0, Profile.BirthsPerYear * ((AsOfTicks - StartTicks) / (365.25 * TicksPerDay)));
        var mean = (maternity ? Rates.MaternityDropInMeanAttendance : Rates.SoundsLikeFunMeanAttendance) * scale;
        var champion = maternity ? 1 + (int)(week % Profile.MaternityChampions) : 0;
        return new PlannedContact(DropInTicks(ordinal), ContactKind.DropInHosted, (short)(maternity ? 1 : 0), (short)champion, rng.Poisson(mean));
    }

    /// <summary>The next session of the given kind on or after a day, at its weekly time (plus a late arrival).</summary>
    public long NextSession(long fromTicks, bool maternity, ref DeterministicRandom rng)
    {
        var weekIndex = Math.Max(0, (fromTicks - _firstWeekStart) / (7 * TicksPerDay));
        for (var w = weekIndex; w < weekIndex + 3; w++)
        {
            for (var s = 0; s < DropInsPerWeek; s++)
            {
                if (_weekSlotIsMaternity[s] != maternity)
                {
                    continue;
                }

                var t = _firstWeekStart + (w * 7 * TicksPerDay) + _weekSlotOffsets[s];
                if (t >= fromTicks)
                {
                    return t + (rng.Next(0, 30) * TimeSpan.TicksPerMinute);
                }
            }
        }

        return fromTicks;
    }

    private static (long[] Offsets, bool[] IsMaternity) WeeklySessions(WardProfile profile)
    {
        var slots = new List<(long Offset, bool Maternity)>();
        for (var j = 0; j < Math.Min(profile.SoundsLikeFunDropInsPerWeek, 10); j++)
        {
            // Weekday mornings at 10:00, a second round in the afternoons beyond five a week.
            slots.Add((((j % 5) * TicksPerDay) + TimeSpan.FromHours(10 + (4 * (j / 5))).Ticks, false));
        }

        for (var j = 0; j < Math.Min(profile.MaternityDropInsPerWeek, 5); j++)
        {
            // Wednesdays at 13:00 first, then other weekday afternoons.
            slots.Add(((((2 + (2 * j)) % 5) * TicksPerDay) + TimeSpan.FromHours(13.5).Ticks, true));
        }

        slots.Sort((x, y) => x.Offset.CompareTo(y.Offset));
        return (slots.Select(s => s.Offset).ToArray(), slots.Select(s => s.Maternity).ToArray());
    }

    internal static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, "not in the vocabulary");
    }
}

/// <summary>Separate random streams per purpose so that adding a draw to one never shifts another.</summary>
internal static class Purpose
{
    public const long Birth = 1;
    public const long Sibling = 2;
    public const long Family = 3;
    public const long Child = 4;
    public const long FamilyEvents = 5;
    public const long Send = 6;
    public const long Offsets = 7;
    public const long DropIn = 8;
}
