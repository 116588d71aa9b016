using QpActors.Grains.Interfaces;

namespace QpActors.Gateway.Auth;

/// <summary>The roles a token may carry in its <c>role</c> claim: the names grains check (<see cref="Roles"/>), one definition.</summary>
public static class QpRoles
{
    /// <summary>Bound to one service or one champion: records events for it, never reads risk.</summary>
    public const string Frontline = Roles.Frontline;

    /// <summary>Bound to wards: reads risk and worklists there and sets service levels.</summary>
    public const string EarlyIntervention = Roles.EarlyIntervention;

    /// <summary>Aggregates only, never an identifiable record.</summary>
    public const string Commission = Roles.Commission;

    /// <summary>The audit log and operations.</summary>
    public const string Admin = Roles.Admin;
}

/// <summary>The claims the gateway reads from a token.</summary>
public static class QpClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string Service = "service";
    public const string Champion = "champion";

    /// <summary>Repeated: one claim per ward code.</summary>
    public const string Ward = "ward";
    public const string Name = "name";

    /// <summary>When the token expires, in seconds since 1970 (UTC).</summary>
    public const string Expires = "exp";
}

/// <summary>Authorization policies; every <c>/v1</c> route and gRPC method names exactly one (probes, OpenAPI and reflection are anonymous).</summary>
public static class QpPolicies
{
    /// <summary>Any valid token, whatever its role: for what every client reads alike (the event catalogue).</summary>
    public const string AnyCaller = "any-caller";

    public const string Frontline = "frontline";
    public const string EarlyIntervention = "early-intervention";
    public const string Commission = "commission";
    public const string Admin = "admin";

    /// <summary>The dashboard: administrators, by a token or by the cookie a page load gave their browser (<see cref="DashboardSession"/>).</summary>
    public const string Dashboard = "dashboard";

    /// <summary>The unreached-infants list: early intervention, and frontline champions for their own wards.</summary>
    public const string Outreach = "outreach";
}
