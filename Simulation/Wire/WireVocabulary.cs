namespace QpActors.Simulation;

/// <summary>Closed vocabularies of the contact-event wire format (docs/design.md), as the generator and importer use them.</summary>
public static class WireVocabulary
{
    public const string HealthVisiting = "health-visiting";
    public const string Midwifery = "midwifery";
    public const string ChildrensCentre = "childrens-centre";
    public const string MaternityDropIn = "maternity-drop-in";
    public const string SoundsLikeFun = "sounds-like-fun";

    public static readonly IReadOnlyList<string> Services = [HealthVisiting, Midwifery, ChildrensCentre, MaternityDropIn, SoundsLikeFun];

    public static readonly IReadOnlyList<string> Concerns =
        ["maternal-mental-health", "domestic-abuse", "substance-use", "housing", "safeguarding"];

    public static readonly IReadOnlyList<string> Housing =
        ["social-rented", "private-rented", "owner-occupied", "temporary-accommodation", "overcrowded", "homeless", "other"];

    public static readonly IReadOnlyList<string> Reviews = ["antenatal", "new-birth", "6-8-week", "1-year", "2-year"];

    public static readonly IReadOnlyList<string> ServiceLevels = ["universal", "universal-plus", "universal-partnership-plus"];

    public static string ServiceRecorder(string serviceId) => "service:" + serviceId;

    public static string ChampionRecorder(string championId) => "champion:" + championId;
}
