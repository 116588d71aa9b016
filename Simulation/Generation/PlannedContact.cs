namespace QpActors.Simulation.Generation;

internal enum ContactKind : byte
{
    FamilyRegistered,
    FamilyDetailsChanged,
    PregnancyBooked,
    BirthNotified,
    ReviewCompleted,
    AppointmentMissed,
    CentreRegistered,
    SessionAttended,
    ChampionOutreach,
    SurveyCompleted,
    ReferralMade,
    ReferralAccepted,
    ReferralDeclined,
    AeAttendance,
    ImmunisationGiven,
    ImmunisationMissed,
    ConcernRaised,
    ConcernResolved,
    ServiceLevelSet,
    DropInHosted,
}

/// <summary>
/// A contact in compact form (no strings), small enough to hold many in the look-ahead buffer.
/// A, B and C mean different things per kind; <see cref="ContactWriter"/> is the one place that reads them.
/// </summary>
internal readonly record struct PlannedContact(long Ticks, ContactKind Kind, short A = 0, short B = 0, int C = 0)
{
    public static int Compare(PlannedContact x, PlannedContact y)
    {
        var byTime = x.Ticks.CompareTo(y.Ticks);
        if (byTime != 0)
        {
            return byTime;
        }

        var byKind = x.Kind.CompareTo(y.Kind);
        if (byKind != 0)
        {
            return byKind;
        }

        var byA = x.A.CompareTo(y.A);
        return byA != 0 ? byA : x.B != y.B ? x.B.CompareTo(y.B) : x.C.CompareTo(y.C);
    }
}

/// <summary>A family's lasting traits, replayed from its first child's index whenever needed.</summary>
internal readonly record struct FamilyTraits(int Housing, bool YoungParent, bool GpRegistered, int CommunityChampion, int MaternityChampion)
{
    // temporary-accommodation, overcrowded, homeless
    public bool HousingInsecure => Housing is 3 or 4 or 5;
}
