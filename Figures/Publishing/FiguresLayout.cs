using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using QpActors.Figures.Indicators;

namespace QpActors.Figures.Publishing;

/// <summary>
/// The shape of a figures document (ward or area), in one place: which leaves are counts (published only through
/// the small-number rule), which are configuration that adds up over wards (budgets, capacities), which counts are
/// tied by a sum, and how the derived figures (percentages, rates, unit costs) follow from the counts. Builders,
/// the area sum and the publisher all go through this class, so a figure cannot be counted one way and suppressed another.
/// </summary>
/// <remarks>Paths are dot-separated; <c>*</c> matches every key of an object (service ids, indicator ids, levels).</remarks>
public static class FiguresLayout
{
    /// <summary>Every count in a figures document. All are additive over wards (each child and family belongs to one ward).</summary>
    public static readonly IReadOnlyList<string> CountPaths =
    [
        "reach.known", "reach.registered", "reach.seen12Months", "reach.reached", "reach.unreached", "reach.reachedOutsideBirthRecords",
        "caseload.*.activeChildren", "caseload.*.activeFamilies", "caseload.*.contactsThisMonth", "caseload.*.contactsLast12Months",
        "caseload.*.missedAppointments", "caseload.*.referralsMade", "caseload.*.referralsTakenUp",
        "indicators.*.numerator", "indicators.*.denominator",
        "need.families", "need.familiesBySuggestedLevel.*", "need.familiesBySetLevel.*",
        "need.children", "need.childrenBySuggestedLevel.*", "need.childrenBySetLevel.*",
        "need.overdueReviews.children", "need.overdueReviews.reviews", "need.overdueReviews.byReview.*", "need.openConcerns.*",
        "champions.outreachContacts", "champions.familiesSignposted", "champions.signpostedThenReached",
        "champions.surveysCompleted", "champions.dropInsHosted", "champions.satisfaction.*.responses", "champions.satisfaction.*.byScore.*",
        "unitCost.childrenReached", "unitCost.byService.*.childrenReached",
    ];

    /// <summary>Configured amounts that add up over an area's wards; public, never suppressed.</summary>
    public static readonly IReadOnlyList<string> ConfigurationPaths =
        ["caseload.*.capacity", "unitCost.annualBudget", "unitCost.byService.*.annualBudget"];

    /// <summary>The lowest satisfaction score a survey gives (the catalogue's range is 1-5).</summary>
    public const int LowestScore = 1;

    /// <summary>The highest satisfaction score a survey gives.</summary>
    public const int HighestScore = 5;

    /// <summary>Serializer settings for documents: camelCase, dictionary keys as given.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static readonly Lazy<IndicatorDefinitions> Definitions = new(IndicatorDefinitions.LoadDefault);

    /// <summary>The count leaves present in <paramref name="document"/>, as (path, value); a null value is a suppressed count.</summary>
    public static IEnumerable<(string Path, int? Value)> Counts(JsonObject document) =>
        CountPaths.SelectMany(p => Leaves(document, p)).Select(l => (l.Path, (int?)l.Parent[l.Name]?.GetValue<int>()));

    /// <summary>The leaves matching <paramref name="pattern"/> (missing branches yield nothing).</summary>
    public static IEnumerable<(string Path, JsonObject Parent, string Name)> Leaves(JsonObject document, string pattern)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var results = new List<(string, JsonObject, string)>();
        Walk(document, pattern.Split('.'), 0, "", results);
        return results;
    }

    /// <summary>The node at a concrete dot path, or null.</summary>
    public static JsonNode? At(JsonObject document, string path)
    {
        ArgumentNullException.ThrowIfNull(document);
        JsonNode? node = document;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o && o.TryGetPropertyValue(part, out var child) ? child : null;
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>
    /// The sums a reader could use to recover a hidden count from the others in the same document, as
    /// (total path, part paths). Only relations whose every path exists in the document are returned.
    /// </summary>
    public static IReadOnlyList<(string Total, IReadOnlyList<string> Parts)> Relations(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var relations = new List<(string, IReadOnlyList<string>)>
        {
            ("reach.known", ["reach.reached", "reach.unreached"]),
            ("unitCost.childrenReached", ["reach.reached", "reach.reachedOutsideBirthRecords"]),
            ("need.families", Keys(document, "need.familiesBySuggestedLevel")),
            ("need.families", Keys(document, "need.familiesBySetLevel")),
            ("need.children", Keys(document, "need.childrenBySuggestedLevel")),
            ("need.children", Keys(document, "need.childrenBySetLevel")),
            ("need.overdueReviews.reviews", Keys(document, "need.overdueReviews.byReview")),
        };

        // A service's responses are its responses by score: with one hidden, the rest would give it away.
        foreach (var (path, _, _) in Leaves(document, "champions.satisfaction.*.responses"))
        {
            relations.Add((path, Keys(document, path[..^".responses".Length] + ".byScore")));
        }

        // Per-service unit cost divides by the service's active children: the same count under two names.
        foreach (var (path, _, _) in Leaves(document, "unitCost.byService.*.childrenReached"))
        {
            relations.Add((path, [$"caseload.{path.Split('.')[2]}.activeChildren"]));
        }

        // Indicators that count the same children: C3 shares C2's cohort, C6ii's denominator is C6i's numerator.
        var defined = Definitions.Value.Indicators.Where(d => At(document, "indicators." + d.Id) is JsonObject).ToList();
        for (var i = 0; i < defined.Count; i++)
        {
            var definition = defined[i];
            if (definition.DenominatorIndicator is { } basis && defined.Any(d => d.Id == basis))
            {
                relations.Add(($"indicators.{definition.Id}.denominator", [$"indicators.{basis}.numerator"]));
            }
            else if (defined.Take(i).FirstOrDefault(d => d.Cohort is not null && d.Cohort == definition.Cohort) is { } same)
            {
                relations.Add(($"indicators.{definition.Id}.denominator", [$"indicators.{same.Id}.denominator"]));
            }
        }

        return relations
            .Where(r => r.Item2.Count > 0 && r.Item2.Prepend(r.Item1).All(p => At(document, p) is not null))
            .ToList();

        static IReadOnlyList<string> Keys(JsonObject document, string path) =>
            At(document, path) is JsonObject o ? o.Select(p => path + "." + p.Key).ToList() : [];
    }

    /// <summary>
    /// Recomputes every derived figure from the counts in place: reach percentages, missed-appointment rates,
    /// capacity used, indicator percentages and unit costs. A derived figure whose count is null (suppressed) is null.
    /// </summary>
    public static JsonObject Derive(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document["reach"] is JsonObject reach)
        {
            var known = Int(reach, "known");
            reach["registeredPercent"] = Percent(Int(reach, "registered"), known);
            reach["seen12MonthsPercent"] = Percent(Int(reach, "seen12Months"), known);
            reach["reachedPercent"] = Percent(Int(reach, "reached"), known);
            reach["unreachedPercent"] = Percent(Int(reach, "unreached"), known);
        }

        foreach (var service in Objects(document["caseload"]))
        {
            var missed = Int(service, "missedAppointments");
            var contacts = Int(service, "contactsLast12Months");
            service["missedAppointmentRate"] = missed is null || contacts is null || missed + contacts == 0
                ? null
                : Math.Round((double)missed.Value / (missed.Value + contacts.Value), 4);
            service["capacityUsed"] = Percent(Int(service, "activeChildren"), Int(service, "capacity"));
        }

        foreach (var indicator in Objects(document["indicators"]))
        {
            indicator["percent"] = Percent(Int(indicator, "numerator"), Int(indicator, "denominator"));
        }

        foreach (var satisfaction in Objects(At(document, "champions.satisfaction")))
        {
            satisfaction["average"] = AverageScore(satisfaction);
        }

        if (document["unitCost"] is JsonObject unitCost)
        {
            unitCost["perChild"] = PerChild(unitCost);
            foreach (var service in Objects(unitCost["byService"]))
            {
                service["perChild"] = PerChild(service);
            }
        }

        return document;
    }

    /// <summary>
    /// An area's counts from its wards' documents: every count and configured amount summed over the wards
    /// (a key missing from a ward counts 0, satisfaction's counts by score among them), <c>synthetic</c> when any
    /// ward is; derived figures are left for <see cref="Derive"/>. Sections other than these come from the first ward.
    /// </summary>
    public static JsonObject SumWards(string areaId, IReadOnlyList<JsonObject> wards)
    {
        ArgumentException.ThrowIfNullOrEmpty(areaId);
        ArgumentNullException.ThrowIfNull(wards);
        if (wards.Count == 0)
        {
            throw new ArgumentException("An area needs at least one ward.", nameof(wards));
        }

        var area = wards[0].DeepClone().AsObject();
        area.Remove("wardCode");
        var sums = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var ward in wards)
        {
            foreach (var pattern in CountPaths.Concat(ConfigurationPaths))
            {
                foreach (var (path, parent, name) in Leaves(ward, pattern))
                {
                    var value = parent[name] is JsonValue v ? v.GetValue<decimal>() : throw new InvalidOperationException($"'{path}' is suppressed: sum raw documents only.");
                    if (!sums.TryAdd(path, value))
                    {
                        sums[path] += value;
                    }
                    else
                    {
                        order.Add(path);
                    }
                }
            }
        }

        foreach (var path in order)
        {
            Set(area, path, path.EndsWith("annualBudget", StringComparison.Ordinal) ? JsonValue.Create(sums[path]) : JsonValue.Create((int)sums[path]));
        }

        area["synthetic"] = wards.Any(w => w["synthetic"]?.GetValue<bool>() == true);
        var inserted = new JsonObject { ["areaId"] = areaId, ["wards"] = new JsonArray(wards.Select(w => (JsonNode?)w["wardCode"]?.GetValue<string>()).ToArray()) };
        foreach (var (key, value) in area.ToList())
        {
            area.Remove(key);
            inserted[key] = value;
        }

        return inserted;
    }

    /// <summary>
    /// Published parts of a published total, each hidden part (null) estimated as an equal part of what the total leaves
    /// once the visible parts are taken off (0 when the total is hidden too). Uses published values only, so a figure
    /// worked out from the estimates gives no hidden count away.
    /// </summary>
    public static IReadOnlyList<decimal> EstimateHidden(int? total, IReadOnlyList<int?> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var hidden = parts.Count(p => p is null);
        var left = hidden == 0 || total is null ? 0m : Math.Max(0m, total.Value - parts.Sum(p => p ?? 0));
        return parts.Select(p => p is { } visible ? visible : left / hidden).ToList();
    }

    /// <summary>Sets a leaf at a concrete path, creating objects on the way.</summary>
    public static void Set(JsonObject document, string path, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(document);
        var parts = path.Split('.');
        var node = document;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject next)
            {
                next = [];
                node[part] = next;
            }

            node = next;
        }

        node[parts[^1]] = value;
    }

    internal static int? Int(JsonObject o, string name) => o[name] is JsonValue v ? v.GetValue<int>() : null;

    private static double? Percent(int? part, int? whole) =>
        part is null || whole is null or 0 ? null : Math.Round(100.0 * part.Value / whole.Value, 1);

    /// <summary>
    /// A service's average satisfaction to one decimal, from its counts by score: null when one is hidden or there are none.
    /// </summary>
    /// <remarks>
    /// Worked out from the counts as the document holds them (in a published one, as published), as a percentage is, never
    /// from the responses themselves: an average of the raw scores moved with a single response the rounded counts hide
    /// (26 responses averaging 3.5 and 27 averaging 3.4 both publish 25), telling that one came and roughly what it scored.
    /// A document kept before counts by score has none, so no average.
    /// </remarks>
    private static decimal? AverageScore(JsonObject satisfaction)
    {
        if (satisfaction["byScore"] is not JsonObject byScore)
        {
            return null;
        }

        decimal responses = 0, points = 0;
        foreach (var (key, count) in byScore)
        {
            if (count is not JsonValue value || !int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var score))
            {
                return null;
            }

            responses += value.GetValue<int>();
            points += score * value.GetValue<int>();
        }

        return responses == 0 ? null : Math.Round(points / responses, 1, MidpointRounding.AwayFromZero);
    }

    private static decimal? PerChild(JsonObject o)
    {
        var reached = Int(o, "childrenReached");
        var budget = o["annualBudget"] is JsonValue b ? b.GetValue<decimal>() : (decimal?)null;
        return reached is null or 0 || budget is null ? null : Math.Round(budget.Value / reached.Value, 2, MidpointRounding.AwayFromZero);
    }

    private static IEnumerable<JsonObject> Objects(JsonNode? node) =>
        node is JsonObject o ? o.Select(p => p.Value).OfType<JsonObject>() : [];

    private static void Walk(JsonObject node, string[] parts, int index, string prefix, List<(string, JsonObject, string)> results)
    {
        var part = parts[index];
        var last = index == parts.Length - 1;
        var keys = part == "*" ? node.Select(p => p.Key).ToList() : node.ContainsKey(part) ? [part] : [];
        foreach (var key in keys)
        {
            var path = prefix.Length == 0 ? key : prefix + "." + key;
            if (last)
            {
                results.Add((path, node, key));
            }
            else if (node[key] is JsonObject child)
            {
                Walk(child, parts, index + 1, path, results);
            }
        }
    }

    /// <summary>Formats a date the way documents carry it.</summary>
    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
