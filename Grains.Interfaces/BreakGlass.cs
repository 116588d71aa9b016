namespace QpActors.Grains.Interfaces;

/// <summary>
/// What makes a break-glass reason valid: its length once trimmed. The family grain checks it before it opens a family
/// outside the caller's wards, behind the gateway's own check.
/// </summary>
public static class BreakGlass
{
    /// <summary>The fewest characters a reason must have: enough to say why the family is opened.</summary>
    public const int MinimumReasonLength = 10;

    /// <summary>The most characters a reason may have; every reason given is written to the audit log.</summary>
    public const int MaximumReasonLength = 500;
}
