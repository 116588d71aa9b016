namespace QpActors.Grains.Interfaces;

/// <summary>The roles a caller can hold (the token's <c>role</c> claim).</summary>
public static class Roles
{
    public const string Frontline = "frontline";
    public const string EarlyIntervention = "early-intervention";
    public const string Commission = "commission";
    public const string Admin = "admin";

    /// <summary>
    /// The system itself reading on no person's behalf (the gateway's live feed, sweeps): never held by a token. What such
    /// a read returns is audited when it reaches a person, not when the system reads it.
    /// </summary>
    public const string System = "system";
}
