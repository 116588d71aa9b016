namespace QpActors.Simulation.Generation;

/// <summary>One ward's facts for the synthetic neighbourhood: population, births, champions, drop-ins and care-pathway rates.</summary>
public sealed record WardProfile
{
    public required string Code { get; init; }
    public required string Name { get; init; }

    /// <summary>Short tag used inside synthetic ids (e.g. "qp" in "syn-s42-qp-f000123").</summary>
    public required string IdPrefix { get; init; }

    /// <summary>Prefix of champion ids, empty for the pilot ward so its champions are "ch-01".."ch-14".</summary>
    public string ChampionIdPrefix { get; init; } = "";

    public required string CentreId { get; init; }
    public int Residents { get; init; }
    public double SocialHousingShare { get; init; }
    public double BirthsPerYear { get; init; }
    public int CommunityChampions { get; init; }
    public int MaternityChampions { get; init; }

    /// <summary>Share of infants registered with the children's centre before the system's outreach (692 of 1,020 in Queen's Park).</summary>
    public double CentreRegistrationShare { get; init; }

    public double SurveysPerYear { get; init; }
    public int SoundsLikeFunDropInsPerWeek { get; init; } = 5;
    public int MaternityDropInsPerWeek { get; init; } = 1;
    public required CareRates Rates { get; init; }

    public string CommunityChampionId(int number) => $"{ChampionIdPrefix}ch-{number:D2}";

    public string MaternityChampionId(int number) => $"{ChampionIdPrefix}mc-{number:D2}";
}

/// <summary>Care-pathway rates: what share of children or families meet each kind of contact over the simulated period.</summary>
public sealed record CareRates
{
    public double SiblingShare { get; init; }
    public double BookedLocallyShare { get; init; }
    public double LateBookingShare { get; init; }
    public double AntenatalReviewShare { get; init; }
    public double NewBirthVisitWithin14Days { get; init; }
    public double NewBirthVisitAfter14Days { get; init; }
    public double SixToEightWeekBy8Weeks { get; init; }
    public double SixToEightWeekLate { get; init; }
    public double OneYearBy12Months { get; init; }
    public double OneYearBy15Months { get; init; }
    public double TwoYearReview { get; init; }
    public double TwoYearWithAsq3 { get; init; }
    public double Asq3BelowCutoffShare { get; init; }
    public double WasNotBroughtShare { get; init; }
    public double ImmunisationGivenShare { get; init; }
    public double ImmunisationCatchUpShare { get; init; }
    public double AeAttendancesPerChildYear { get; init; }
    public double FrequentAttenderShare { get; init; }
    public double SoundsLikeFunShareRegistered { get; init; }
    public double SoundsLikeFunShareUnregistered { get; init; }
    public double SoundsLikeFunMeanSessions { get; init; }
    public double SoundsLikeFunMeanAttendance { get; init; }
    public double MaternityDropInShare { get; init; }
    public double MaternityDropInMeanAttendance { get; init; }
    public double ReferralShare { get; init; }
    public double ReferralAcceptedShare { get; init; }
    public double ReferralDeclinedShare { get; init; }
    public IReadOnlyDictionary<string, double> ConcernShares { get; init; } = new Dictionary<string, double>();
    public double ConcernResolvedShare { get; init; }
    public double OutreachShareUnregistered { get; init; }
    public double OutreachShareRegistered { get; init; }
    public double MaternityOutreachShare { get; init; }
    public double RehousedShare { get; init; }
    public double YoungParentShare { get; init; }
    public double GpRegisteredShare { get; init; }

    /// <summary>How the families not in social housing split between the other tenures (normalised when used).</summary>
    public IReadOnlyDictionary<string, double> OtherHousingMix { get; init; } = new Dictionary<string, double>();
}
