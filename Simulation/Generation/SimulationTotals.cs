namespace QpActors.Simulation.Generation;

/// <summary>What a ward's preset implies for a run: the figures the generated events should reproduce.</summary>
public sealed record WardTotals(
    string Ward,
    string Name,
    int Residents,
    int Births,
    int Registered,
    int Unreached,
    int Families,
    double SocialHousingShare,
    int CommunityChampions,
    int MaternityChampions,
    int Surveys,
    int DropInsPerWeek);

/// <summary>Expected totals for a generator run, computed from the presets alone (no events are generated).</summary>
public sealed record SimulationTotals(IReadOnlyList<WardTotals> Wards)
{
    public int Births => Wards.Sum(w => w.Births);

    public int Registered => Wards.Sum(w => w.Registered);

    public int Unreached => Wards.Sum(w => w.Unreached);

    public int Families => Wards.Sum(w => w.Families);

    public int CommunityChampions => Wards.Sum(w => w.CommunityChampions);

    public int MaternityChampions => Wards.Sum(w => w.MaternityChampions);

    public int Surveys => Wards.Sum(w => w.Surveys);

    public static SimulationTotals For(GeneratorOptions options, WardProfileSet? profiles = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        profiles ??= WardProfileSet.Default;
        var wards = options.Wards.Select(profiles.Resolve).ToArray();
        var children = ChildrenPerWard(wards, options);
        var totals = new List<WardTotals>();
        for (var i = 0; i < wards.Length; i++)
        {
            var ward = wards[i];
            var births = children[i];
            var registered = (int)Math.Round(births * ward.CentreRegistrationShare);
            var families = (int)Math.Round(births * FamiliesPerBirth(ward, options.Years));
            totals.Add(new WardTotals(
                ward.Code,
                ward.Name,
                ward.Residents,
                births,
                registered,
                births - registered,
                families,
                ward.SocialHousingShare,
                ward.CommunityChampions,
                ward.MaternityChampions,
                (int)Math.Round(families * SurveyShare(ward, options.Years)),
                ward.SoundsLikeFunDropInsPerWeek + ward.MaternityDropInsPerWeek));
        }

        return new SimulationTotals(totals);
    }

    /// <summary>Children per ward: the presets' births per year over the period, or the override split by births per year.</summary>
    internal static int[] ChildrenPerWard(IReadOnlyList<WardProfile> wards, GeneratorOptions options)
    {
        var result = new int[wards.Count];
        if (options.Children is not { } total)
        {
            for (var i = 0; i < wards.Count; i++)
            {
                result[i] = Math.Max(1, (int)Math.Round(wards[i].BirthsPerYear * options.Years));
            }

            return result;
        }

        var weight = wards.Sum(w => w.BirthsPerYear);
        var assigned = 0;
        for (var i = 0; i < wards.Count; i++)
        {
            result[i] = i == wards.Count - 1
                ? total - assigned
                : Math.Max(1, (int)Math.Round(total * wards[i].BirthsPerYear / weight));
            assigned += result[i];
        }

        return result;
    }

    /// <summary>
    /// Families per birth: a later birth joins an earlier family when its sibling gap (15-48 months)
    /// fits inside the period so far, so short periods have fewer siblings.
    /// </summary>
    internal static double FamiliesPerBirth(WardProfile ward, double years)
    {
        const int Steps = 200;
        var spanDays = years * 365.25;
        var fits = 0.0;
        for (var s = 0; s < Steps; s++)
        {
            var gap = 450 + ((1460 - 450) * (s + 0.5) / Steps);
            fits += Math.Max(0, spanDays - gap) / spanDays;
        }

        return 1 - (ward.Rates.SiblingShare * fits / Steps);
    }

    internal static double SurveyShare(WardProfile ward, double years)
    {
        var familiesPerYear = ward.BirthsPerYear * FamiliesPerBirth(ward, years);
        return Math.Min(1, ward.SurveysPerYear / Math.Max(1, familiesPerYear));
    }
}
