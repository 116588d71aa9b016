using System.Collections.Immutable;
using System.Text.Json;

namespace QpActors.Domain.Risk;

/// <summary>When a factor fires: a yes/no fact is true (or false), or a count reaches a minimum.</summary>
public sealed record FactCondition(string Fact, double? AtLeast, bool? IsTrue)
{
    public bool Holds(double value) => AtLeast is { } minimum ? value >= minimum : (value != 0) == (IsTrue ?? true);
}

/// <summary>One weighted factor of a rules file.</summary>
/// <param name="Weight">Points when the condition holds; negative for protective factors.</param>
/// <param name="PerUnit">For counts: points per unit above <see cref="FactCondition.AtLeast"/>.</param>
/// <param name="Cap">For counts: the most the factor can add.</param>
/// <param name="Source">Where the factor comes from (BRIEF.md items), shown to practitioners.</param>
/// <param name="Group">
/// Factors naming one group are one need seen two ways (a housing concern and the housing it is about): the group adds
/// the points of only the factor of it adding the most, which cites the events of every factor of the group that fired.
/// </param>
public sealed record RiskFactor(
    string Id,
    string Description,
    double Weight,
    string Source,
    RiskScope AppliesTo,
    FactCondition Condition,
    double? PerUnit = null,
    double? Cap = null,
    string? Group = null)
{
    /// <summary>What the factor adds for this fact value, or null when it does not fire.</summary>
    public double? Contribution(double value)
    {
        if (!Condition.Holds(value))
        {
            return null;
        }

        if (PerUnit is not { } perUnit)
        {
            return Weight;
        }

        var points = Weight + (perUnit * (value - (Condition.AtLeast ?? 0)));
        return Cap is { } cap ? Weight >= 0 ? Math.Min(points, cap) : Math.Max(points, cap) : points;
    }
}

/// <summary>
/// A versioned rules file: weighted factors over <see cref="RiskFacts"/> and the score thresholds
/// for suggested service levels. The default is the embedded <c>risk-rules.v2.json</c>; <c>risk-rules.v1.json</c>, which
/// assessments made before it were made under, is shipped beside it for practitioners to compare.
/// </summary>
public sealed class RiskRules
{
    private const string DefaultFile = "risk-rules.v2.json";
    private static readonly Lazy<RiskRules> DefaultRules = new(() =>
    {
        using var stream = DataFiles.OpenEmbedded(DefaultFile);
        return Load(stream, DefaultFile);
    });

    private static readonly string[] RootFields = ["version", "notes", "source", "thresholds", "factors"];
    private static readonly string[] ThresholdFields = ["universalPlus", "universalPartnershipPlus", "notes"];
    private static readonly string[] FactorFields = ["id", "description", "weight", "perUnit", "cap", "source", "appliesTo", "condition", "group", "notes"];
    private static readonly string[] ConditionFields = ["fact", "atLeast", "isTrue"];

    public RiskRules(string version, double universalPlusFrom, double universalPartnershipPlusFrom, IEnumerable<RiskFactor> factors)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentNullException.ThrowIfNull(factors);
        Version = version;
        UniversalPlusFrom = universalPlusFrom;
        UniversalPartnershipPlusFrom = universalPartnershipPlusFrom;
        Factors = [.. factors];
        _groups = Factors.Where(f => f.Group is not null).ToDictionary(f => f.Id, f => f.Group!, StringComparer.Ordinal);
    }

    public string Version { get; }

    /// <summary>A score at or above this suggests universal-plus.</summary>
    public double UniversalPlusFrom { get; }

    /// <summary>A score at or above this suggests universal-partnership-plus.</summary>
    public double UniversalPartnershipPlusFrom { get; }

    /// <summary>In file order, which is the order assessments list them.</summary>
    public ImmutableArray<RiskFactor> Factors { get; }

    /// <summary>Whether any factor names a group (risk-rules.v1 has none, so its assessments skip the step).</summary>
    public bool HasGroups => _groups.Count > 0;

    // Factor id to group, for the factors in one: looked up for each factor that fires, on every assessment.
    private readonly Dictionary<string, string> _groups;

    /// <summary>The group the factor is in, or null.</summary>
    public string? GroupOf(string factorId) => _groups.Count > 0 && _groups.TryGetValue(factorId, out var group) ? group : null;

    public static RiskRules LoadDefault() => DefaultRules.Value;

    public static RiskRules Load(string path) => DataFileJson.LoadFile(path, Load);

    /// <exception cref="DataFileException">The file is malformed; every problem is listed.</exception>
    public static RiskRules Load(Stream stream, string name = "risk rules")
    {
        using (var document = DataFileJson.Parse(stream, name))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new DataFileException(name, ["the file must hold a JSON object"]);
            }

            var problems = new List<string>();
            DataFileRead.RejectUnknown(root, "$", RootFields, problems);
            var version = DataFileRead.RequiredString(root, "version", "version", problems);

            double? universalPlus = null, partnershipPlus = null;
            if (root.TryGetProperty("thresholds", out var thresholds) && thresholds.ValueKind == JsonValueKind.Object)
            {
                DataFileRead.RejectUnknown(thresholds, "thresholds", ThresholdFields, problems);
                universalPlus = DataFileRead.RequiredNumber(thresholds, "universalPlus", "thresholds.universalPlus", 0, 1000, problems);
                partnershipPlus = DataFileRead.RequiredNumber(
                    thresholds, "universalPartnershipPlus", "thresholds.universalPartnershipPlus", 0, 1000, problems);
                if (universalPlus is { } up && partnershipPlus is { } upp && upp <= up)
                {
                    problems.Add("thresholds: universalPartnershipPlus must be above universalPlus");
                }
            }
            else
            {
                problems.Add("thresholds: required object");
            }

            var factors = new List<RiskFactor>();
            if (root.TryGetProperty("factors", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0)
            {
                var index = 0;
                foreach (var item in list.EnumerateArray())
                {
                    if (ReadFactor(item, $"factors[{index}]", problems) is { } factor)
                    {
                        if (factors.Any(f => f.Id == factor.Id))
                        {
                            problems.Add($"factors[{index}].id: '{factor.Id}' appears twice");
                        }

                        if (factor.Group is { } group && factors.FirstOrDefault(f => f.Group == group) is { } first
                            && (first.AppliesTo != factor.AppliesTo || (first.Weight >= 0) != (factor.Weight >= 0)))
                        {
                            problems.Add($"factors[{index}].group: '{group}' must hold factors of one scope that are all risks or all protective, as '{first.Id}' is");
                        }

                        factors.Add(factor);
                    }

                    index++;
                }
            }
            else
            {
                problems.Add("factors: required non-empty array");
            }

            if (problems.Count > 0)
            {
                throw new DataFileException(name, problems);
            }

            return new RiskRules(version!, universalPlus!.Value, partnershipPlus!.Value, factors);
        }
    }

    private static RiskFactor? ReadFactor(JsonElement item, string path, List<string> problems)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: must be an object");
            return null;
        }

        var before = problems.Count;
        DataFileRead.RejectUnknown(item, path, FactorFields, problems);
        var id = DataFileRead.RequiredString(item, "id", $"{path}.id", problems);
        var description = DataFileRead.RequiredString(item, "description", $"{path}.description", problems);
        var source = DataFileRead.RequiredString(item, "source", $"{path}.source", problems);
        var group = item.TryGetProperty("group", out _) ? DataFileRead.RequiredString(item, "group", $"{path}.group", problems) : null;
        var weight = DataFileRead.RequiredNumber(item, "weight", $"{path}.weight", -100, 100, problems);
        var perUnit = DataFileRead.OptionalNumber(item, "perUnit", $"{path}.perUnit", problems);
        var cap = DataFileRead.OptionalNumber(item, "cap", $"{path}.cap", problems);
        var scopeName = DataFileRead.RequiredString(item, "appliesTo", $"{path}.appliesTo", problems);
        RiskScope? scope = scopeName switch
        {
            null => null,
            "child" => RiskScope.Child,
            "family" => RiskScope.Family,
            _ => null,
        };
        if (scopeName is not null && scope is null)
        {
            problems.Add($"{path}.appliesTo: '{scopeName}' is not child or family");
        }

        var condition = ReadCondition(item, $"{path}.condition", problems);
        if (condition is not null && scope is not null)
        {
            var fact = RiskFacts.Catalogue.FirstOrDefault(f => f.Id == condition.Fact);
            if (fact is null)
            {
                problems.Add($"{path}.condition.fact: '{condition.Fact}' is not a known fact");
            }
            else if (fact.Scope != scope)
            {
                problems.Add($"{path}.condition.fact: '{condition.Fact}' is a {fact.Scope.ToString().ToLowerInvariant()} fact but the factor applies to {scopeName}");
            }
        }

        if (perUnit is not null)
        {
            if (condition is not null && condition.AtLeast is null)
            {
                problems.Add($"{path}.perUnit: only for counted facts (a condition with atLeast)");
            }

            if (cap is null)
            {
                problems.Add($"{path}.cap: required with perUnit");
            }
            else if (weight is { } w && (w >= 0 ? cap < w : cap > w))
            {
                problems.Add($"{path}.cap: must not be nearer zero than weight");
            }
        }
        else if (cap is not null)
        {
            problems.Add($"{path}.cap: only with perUnit");
        }

        return problems.Count == before
            ? new RiskFactor(id!, description!, weight!.Value, source!, scope!.Value, condition!, perUnit, cap, group)
            : null;
    }

    private static FactCondition? ReadCondition(JsonElement item, string path, List<string> problems)
    {
        if (!item.TryGetProperty("condition", out var condition) || condition.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: required object");
            return null;
        }

        var before = problems.Count;
        DataFileRead.RejectUnknown(condition, path, ConditionFields, problems);
        var fact = DataFileRead.RequiredString(condition, "fact", $"{path}.fact", problems);
        var atLeast = DataFileRead.OptionalNumber(condition, "atLeast", $"{path}.atLeast", problems);
        bool? isTrue = null;
        if (condition.TryGetProperty("isTrue", out var flag))
        {
            if (flag.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                isTrue = flag.GetBoolean();
            }
            else
            {
                problems.Add($"{path}.isTrue: must be true or false");
            }
        }

        if ((atLeast is null) == (isTrue is null) && problems.Count == before)
        {
            problems.Add($"{path}: needs exactly one of atLeast or isTrue");
        }

        return problems.Count == before ? new FactCondition(fact!, atLeast, isTrue) : null;
    }
}
