using QpActors.Domain.Events;

namespace QpActors.Domain.Risk;

/// <summary>One factor that fired, as a practitioner sees it.</summary>
/// <param name="Weight">The points it added (negative for protective factors).</param>
/// <param name="EventIds">The events behind the fact.</param>
/// <param name="ChildId">In a family assessment, the child the factor came from; null for the family's own factors.</param>
public sealed record FactorContribution(string Id, string Description, double Weight, IReadOnlyList<string> EventIds, string? ChildId);

/// <summary>A score, the service level it suggests, every factor that fired and the rules version used.</summary>
public sealed record RiskAssessment(double Score, ServiceLevel SuggestedLevel, IReadOnlyList<FactorContribution> Factors, string RulesVersion);

/// <summary>
/// Scores facts against a rules file. It only suggests a service level: a practitioner's
/// <c>service-level-set</c> event sets it.
/// </summary>
public sealed class RiskEngine(RiskRules rules)
{
    private static readonly Lazy<RiskEngine> DefaultEngine = new(() => new RiskEngine(RiskRules.LoadDefault()));

    /// <summary>The engine over the embedded default rules.</summary>
    public static RiskEngine Default => DefaultEngine.Value;

    public RiskRules Rules { get; } = rules ?? throw new ArgumentNullException(nameof(rules));

    /// <summary>Scores a child's facts with the rules' child factors; never below 0.</summary>
    public RiskAssessment AssessChild(IEnumerable<RiskFact> childFacts)
    {
        var contributions = Fire(childFacts, RiskScope.Child, childId: null);
        return Assessment(Total(contributions), contributions);
    }

    /// <summary>
    /// Scores a family: its own factors plus the score of its highest-scoring child (ties go to the
    /// lowest child id). That child's factors are listed after the family's, tagged with its child id;
    /// other children's factors are not listed. Taking the highest child, not the sum, keeps a large
    /// family from scoring high only for being large. Never below 0.
    /// </summary>
    /// <exception cref="ArgumentException">A child was assessed with other rules.</exception>
    public RiskAssessment AssessFamily(IEnumerable<RiskFact> familyFacts, IEnumerable<(string ChildId, RiskAssessment Assessment)> children)
    {
        ArgumentNullException.ThrowIfNull(children);
        var contributions = Fire(familyFacts, RiskScope.Family, childId: null);
        var score = Total(contributions);

        (string ChildId, RiskAssessment Assessment)? highest = null;
        foreach (var child in children)
        {
            if (child.Assessment.RulesVersion != Rules.Version)
            {
                throw new ArgumentException(
                    $"Child {child.ChildId} was assessed with rules {child.Assessment.RulesVersion}, not {Rules.Version}.", nameof(children));
            }

            if (highest is not { } best
                || child.Assessment.Score > best.Assessment.Score
                || (child.Assessment.Score == best.Assessment.Score && string.CompareOrdinal(child.ChildId, best.ChildId) < 0))
            {
                highest = child;
            }
        }

        if (highest is { } top)
        {
            score += top.Assessment.Score;
            var factors = top.Assessment.Factors;
            contributions.EnsureCapacity(contributions.Count + factors.Count);
            for (var i = 0; i < factors.Count; i++)
            {
                contributions.Add(factors[i] with { ChildId = top.ChildId });
            }
        }

        return Assessment(score, contributions);
    }

    public ServiceLevel SuggestLevel(double score) =>
        score >= Rules.UniversalPartnershipPlusFrom ? ServiceLevel.UniversalPartnershipPlus
        : score >= Rules.UniversalPlusFrom ? ServiceLevel.UniversalPlus
        : ServiceLevel.Universal;

    private RiskAssessment Assessment(double score, List<FactorContribution> contributions)
    {
        var floored = Math.Max(0, score);
        return new RiskAssessment(floored, SuggestLevel(floored), contributions, Rules.Version);
    }

    private List<FactorContribution> Fire(IEnumerable<RiskFact> facts, RiskScope scope, string? childId)
    {
        ArgumentNullException.ThrowIfNull(facts);

        // A dozen facts against a few dozen factors: a scan of the list beats building a dictionary per assessment.
        var known = facts as IReadOnlyList<RiskFact> ?? facts.ToArray();
        var contributions = new List<FactorContribution>();
        foreach (var factor in Rules.Factors)
        {
            if (factor.AppliesTo == scope
                && Find(known, factor.Condition.Fact) is { } fact
                && factor.Contribution(fact.Value) is { } points)
            {
                contributions.Add(new FactorContribution(factor.Id, factor.Description, points, fact.EventIds, childId));
            }
        }

        return Rules.HasGroups ? CountGroupsOnce(contributions) : contributions;
    }

    /// <summary>
    /// Keeps one contribution per group, the one furthest from zero (the first in file order on a tie), in its place,
    /// citing the events of every factor of the group that fired: one need is counted once, and shown with all its evidence.
    /// </summary>
    private List<FactorContribution> CountGroupsOnce(List<FactorContribution> contributions)
    {
        // Most assessments fire at most one grouped factor: nothing to merge, and nothing allocated to find that out.
        var grouped = 0;
        foreach (var contribution in contributions)
        {
            grouped += Rules.GroupOf(contribution.Id) is null ? 0 : 1;
        }

        if (grouped < 2)
        {
            return contributions;
        }

        var kept = new List<FactorContribution>(contributions.Count);
        foreach (var contribution in contributions)
        {
            if (Rules.GroupOf(contribution.Id) is not { } group)
            {
                kept.Add(contribution);
                continue;
            }

            var members = contributions.Where(c => Rules.GroupOf(c.Id) == group).ToList();
            var strongest = members.Aggregate((best, c) => Math.Abs(c.Weight) > Math.Abs(best.Weight) ? c : best);
            if (!ReferenceEquals(strongest, contribution))
            {
                continue;
            }

            var events = strongest.EventIds.Concat(members.SelectMany(m => m.EventIds)).Distinct(StringComparer.Ordinal).ToArray();
            kept.Add(strongest with { EventIds = events });
        }

        return kept;
    }

    /// <summary>The sum of the weights, in the list's order (a loop: a selector over the list as an enumerable allocates).</summary>
    private static double Total(List<FactorContribution> contributions)
    {
        var total = 0.0;
        foreach (var contribution in contributions)
        {
            total += contribution.Weight;
        }

        return total;
    }

    /// <summary>The first fact with the id, as a dictionary built with <c>TryAdd</c> would keep.</summary>
    private static RiskFact? Find(IReadOnlyList<RiskFact> facts, string id)
    {
        for (var i = 0; i < facts.Count; i++)
        {
            if (string.Equals(facts[i].Id, id, StringComparison.Ordinal))
            {
                return facts[i];
            }
        }

        return null;
    }
}
