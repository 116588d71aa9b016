namespace QpActors.Grains.Interfaces;

/// <summary>The roles a caller can hold (the token's <c>role</c> claim).</summary>
public static class Roles
{
    public const string Frontline = "frontline";
    public const string EarlyIntervention = "early-intervention";
    public const string Commission = "commission";
    public const string Admin = "admin";
}
