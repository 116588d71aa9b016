namespace QpActors.Gateway.Http;

/// <summary>
/// The parts of the API the OpenAPI document files its operations under, as the people who call them look for them: what
/// frontline apps record, a champion's or a service's own tallies, a family's record, a ward's lists, the commission's
/// figures, the live streams and the audit log.
/// </summary>
public static class ApiTags
{
    public const string Contacts = "Contacts";
    public const string Summaries = "Summaries";
    public const string Families = "Families";
    public const string Wards = "Wards";
    public const string Figures = "Figures";
    public const string LiveStreams = "Live streams";
    public const string Audit = "Audit";
}
