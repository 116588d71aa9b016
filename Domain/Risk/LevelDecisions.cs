using QpActors.Domain.Events;

namespace QpActors.Domain.Risk;

/// <summary>
/// Where the score's suggestion and the team's decision stand against each other. The score only suggests a service
/// level; a practitioner's <c>service-level-set</c> sets it. A family whose suggestion has risen above what the team
/// set (or, with nothing set yet, above universal, which every family has) needs a practitioner to look and decide.
/// </summary>
public static class LevelDecisions
{
    /// <summary>
    /// True when <paramref name="suggested"/> asks for more help than <paramref name="set"/> gives: a decision to raise
    /// the level, or to record why not, is outstanding. With no level set, a family gets the universal service, so only
    /// a suggestion above universal awaits one. A suggestion at or below the set level does not: the team chose at
    /// least that much help, and lowering it is theirs to decide when they review the family, not a prompt.
    /// </summary>
    public static bool AwaitsDecision(ServiceLevel suggested, ServiceLevel? set) =>
        Rank(suggested) > Rank(set ?? ServiceLevel.Universal);

    /// <summary>How much help a level gives, in the 4-5-6 model's order: universal, universal plus, universal partnership plus.</summary>
    public static int Rank(ServiceLevel level) => level switch
    {
        ServiceLevel.Universal => 0,
        ServiceLevel.UniversalPlus => 1,
        ServiceLevel.UniversalPartnershipPlus => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "No such service level."),
    };
}
