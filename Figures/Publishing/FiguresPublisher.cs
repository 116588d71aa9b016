using System.Text.Json.Nodes;
using QpActors.Figures.Disclosure;

namespace QpActors.Figures.Publishing;

/// <summary>
/// Turns a raw figures document (ward or area) into the one the commission may see. Every count in it goes through
/// one <see cref="SmallNumberRule.Publish"/> pass over one <see cref="DisclosureTable"/>; derived figures are then
/// recomputed from the published counts, so nothing in the output carries a raw count in disguise.
/// </summary>
public static class FiguresPublisher
{
    /// <summary>What the published document says about itself.</summary>
    public const string RuleDescription =
        "NHS small-number rule: 0 stays 0, counts 1-7 are suppressed (null, listed in 'suppressed'), other counts rounded to the nearest 5; " +
        "percentages, rates and unit costs recomputed from the rounded counts; secondary suppression across the document's sums and the area's wards; " +
        "a ward's share of the area's savings worked out from the published counts (a hidden count estimated from what its published total leaves), or withheld; " +
        "satisfaction counted by score like any count, its average to one decimal worked out from those published counts " +
        "(none when one is hidden).";

    private const string AreaScope = "area";

    /// <summary>The raw document's build time, which a published document leaves out.</summary>
    private const string BuiltAt = "generatedAt";

    /// <summary>
    /// The commission's version of <paramref name="rawDocument"/>.
    /// </summary>
    /// <param name="rawDocument">A raw ward or area document, as the ward and area grains return it.</param>
    /// <param name="neighbours">
    /// Raw documents of the other wards in the same area (for an area document: its wards). With them the ward's cells are
    /// suppressed together with the area's and its neighbours', so a hidden count cannot be recovered by subtracting
    /// neighbours from the area total; a ward and its area published from the same documents suppress the same cells.
    /// For an area document its published counts are the sums of these wards.
    /// </param>
    /// <exception cref="ArgumentException">A document is not a raw figures document.</exception>
    /// <exception cref="InvalidOperationException">The counts are inconsistent, so the document cannot be made safe.</exception>
    public static string ForCommission(string rawDocument, IReadOnlyList<string>? neighbours = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(rawDocument);
        var main = Parse(rawDocument, "rawDocument");
        var isArea = main["areaId"] is not null;
        var wards = new List<JsonObject>();
        foreach (var neighbour in neighbours ?? [])
        {
            var ward = Parse(neighbour, "neighbours");
            if (ward["wardCode"]?.GetValue<string>() is null)
            {
                throw new ArgumentException("Neighbours must be ward documents.", nameof(neighbours));
            }

            wards.Add(ward);
        }

        if (!isArea)
        {
            var code = WardCode(main) ?? throw new ArgumentException("A figures document has a wardCode or an areaId.", nameof(rawDocument));
            wards.RemoveAll(w => WardCode(w) == code);
            wards.Insert(0, main);
        }

        wards = Canonical(wards);
        var published = Publish(wards, isArea && wards.Count == 0 ? main : null);
        var scope = isArea ? AreaScope : WardScope(WardCode(main)!);
        var output = main.DeepClone().AsObject();

        // A ward builds its raw document at the first read after its records change and keeps it until the next change (an
        // area's copies its first ward's), so the build time says when they changed: polled, or followed on the figures
        // stream, it would count and time the ward's events that the rounding hides. The answer around the document says
        // when it was read.
        output.Remove(BuiltAt);
        var prefix = scope + "/";
        // Listed in the document's order, not the order the rule hid them in: that put the small counts first and the ones
        // hidden to protect them (8 or more) after, telling which of two hidden cells is the 1-7.
        var hidden = new List<string>();
        foreach (var (path, parent, name) in FiguresLayout.CountPaths.SelectMany(p => FiguresLayout.Leaves(output, p)).ToList())
        {
            if (published.Values.TryGetValue(prefix + path, out var value))
            {
                parent[name] = value;
                if (value is null)
                {
                    hidden.Add(path);
                }
            }
            else
            {
                // A count the table never saw must not leave raw.
                parent[name] = null;
                hidden.Add(path);
            }
        }

        // A ward's savings are its share of the area's, and the share is worked out from counts: it may leave only if it
        // was worked out from the counts as published here, its own and its neighbours' (see SavingsShares). An area's
        // savings are the whole projection, from assumptions alone.
        if (isArea ? FiguresLayout.At(output, "savings.share") is not null : output["savings"] is not null && !SharesFromPublishedCounts(published, wards))
        {
            output["savings"] = null;
            hidden.Add("savings");
        }

        // Satisfaction averages, as every derived figure, are worked out again below from the counts as published.
        output["suppressed"] = new JsonArray(hidden.Select(h => (JsonNode?)h).ToArray());
        output["published"] = true;
        output["disclosure"] = RuleDescription;
        return FiguresLayout.Derive(output).ToJsonString(FiguresLayout.JsonOptions);
    }

    /// <summary>
    /// What each ward's share of its area's projected savings is worked out from: the counts as <see cref="ForCommission"/>
    /// publishes them for any of <paramref name="wards"/> with the others as neighbours (so the share gives away nothing
    /// the published counts do not), with each hidden count estimated from what its published total leaves over.
    /// </summary>
    /// <param name="wards">Raw documents of the area's wards.</param>
    /// <param name="needWeights">Weight of a child by suggested level (1 for a level not listed).</param>
    /// <returns>By ward code.</returns>
    /// <exception cref="InvalidOperationException">The counts are inconsistent, so they cannot be published.</exception>
    public static IReadOnlyDictionary<string, SavingsShareBasis> SavingsShares(IReadOnlyList<JsonObject> wards, IReadOnlyDictionary<string, decimal> needWeights)
    {
        ArgumentNullException.ThrowIfNull(wards);
        ArgumentNullException.ThrowIfNull(needWeights);
        if (wards.Any(w => WardCode(w) is null))
        {
            throw new ArgumentException("Savings are shared among ward documents.", nameof(wards));
        }

        var canonical = Canonical(wards);
        return canonical.Count == 0
            ? new Dictionary<string, SavingsShareBasis>(StringComparer.Ordinal)
            : SavingsShares(Publish(canonical, null), canonical, _ => needWeights);
    }

    private static Dictionary<string, SavingsShareBasis> SavingsShares(
        PublishedTable published, List<JsonObject> wards, Func<JsonObject, IReadOnlyDictionary<string, decimal>> needWeights)
    {
        const string Reached = "unitCost.childrenReached";
        const string Children = "need.children";
        const string ByLevel = "need.childrenBySuggestedLevel";
        int? Value(string scope, string path) => published.Values.GetValueOrDefault(DisclosureTable.Key(scope, path));

        var reached = wards.Select(w => Value(WardScope(WardCode(w)!), Reached)).ToList();
        var estimates = FiguresLayout.EstimateHidden(Value(AreaScope, Reached), reached);
        var bases = new Dictionary<string, SavingsShareBasis>(StringComparer.Ordinal);
        for (var i = 0; i < wards.Count; i++)
        {
            var scope = WardScope(WardCode(wards[i])!);
            var levels = FiguresLayout.At(wards[i], ByLevel) is JsonObject o ? o.Select(p => p.Key).ToList() : [];
            var children = FiguresLayout.EstimateHidden(Value(scope, Children), levels.Select(l => Value(scope, ByLevel + "." + l)).ToList());
            var weights = needWeights(wards[i]);
            var total = children.Sum();
            var weighted = levels.Select((l, j) => children[j] * weights.GetValueOrDefault(l, 1m)).Sum();

            // Multiplied before dividing, so whole weights stay whole.
            bases[WardCode(wards[i])!] = total > 0
                ? new SavingsShareBasis(reached[i], weighted / total, estimates[i] * weighted / total)
                : new SavingsShareBasis(reached[i], 1m, estimates[i]);
        }

        return bases;
    }

    /// <summary>Whether every ward document with savings says its share came from the counts as published in this table.</summary>
    private static bool SharesFromPublishedCounts(PublishedTable published, List<JsonObject> wards)
    {
        var shares = wards.Where(w => w["savings"] is not null).ToList();
        var weights = new Dictionary<string, IReadOnlyDictionary<string, decimal>>(StringComparer.Ordinal);
        foreach (var ward in shares)
        {
            if (FiguresLayout.At(ward, "savings.share.needWeights") is not JsonObject named || named.Any(p => Decimal(p.Value) is null))
            {
                return false;
            }

            weights[WardCode(ward)!] = named.ToDictionary(p => p.Key, p => Decimal(p.Value)!.Value, StringComparer.Ordinal);
        }

        var none = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var bases = SavingsShares(published, wards, w => weights.GetValueOrDefault(WardCode(w)!, none));
        return shares.All(w =>
        {
            var share = FiguresLayout.At(w, "savings.share")!.AsObject();
            var basis = bases[WardCode(w)!];
            var reached = share["childrenReached"];
            return (reached is null ? basis.ChildrenReached is null : Decimal(reached) == basis.ChildrenReached)
                && Decimal(share["needIndex"]) == Math.Round(basis.NeedIndex, SavingsShareBasis.NeedIndexDecimals);
        });

        static decimal? Decimal(JsonNode? node) => node is JsonValue v && v.TryGetValue<decimal>(out var d) ? d : null;
    }

    /// <summary>
    /// Wards in a canonical order: the rule breaks ties by position, and a ward must get the same cells hidden whichever
    /// ward's or area's request built the table.
    /// </summary>
    private static List<JsonObject> Canonical(IEnumerable<JsonObject> wards) =>
        wards.GroupBy(WardCode, StringComparer.Ordinal).Select(g => g.First()).OrderBy(WardCode, StringComparer.Ordinal).ToList();

    /// <summary>One small-number pass over the wards (and their area's sums), or over an area document alone.</summary>
    private static PublishedTable Publish(List<JsonObject> wards, JsonObject? areaAlone)
    {
        try
        {
            var table = new DisclosureTable();
            if (wards.Count > 0)
            {
                AddWards(table, wards);
            }

            if (areaAlone is not null)
            {
                AddScope(table, AreaScope, areaAlone, Cells(areaAlone));
            }

            return SmallNumberRule.Publish(table);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException("The figures are inconsistent and cannot be published safely: " + ex.Message, ex);
        }
    }

    private static void AddWards(DisclosureTable table, List<JsonObject> wards)
    {
        // Every ward gets the union of the cells (0 where a ward lacks a service), which the area totals need.
        var names = wards.SelectMany(w => Cells(w).Select(c => c.Path)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var ward in wards)
        {
            var own = Cells(ward).ToDictionary(c => c.Path, c => c.Value, StringComparer.Ordinal);
            AddScope(table, WardScope(WardCode(ward)!), ward, names.Select(n => (n, own.GetValueOrDefault(n))));
        }

        table.AddAreaTotals(AreaScope, wards.Select(w => WardScope(WardCode(w)!)).ToArray());
    }

    private static void AddScope(DisclosureTable table, string scope, JsonObject document, IEnumerable<(string Path, int Value)> cells)
    {
        foreach (var (path, value) in cells)
        {
            table.Add(DisclosureTable.Key(scope, path), value);
        }

        foreach (var (total, parts) in FiguresLayout.Relations(document))
        {
            table.AddTotal(DisclosureTable.Key(scope, total), parts.Select(p => DisclosureTable.Key(scope, p)).ToArray());
        }
    }

    private static IEnumerable<(string Path, int Value)> Cells(JsonObject document) =>
        FiguresLayout.Counts(document).Select(c => (c.Path, c.Value
            ?? throw new ArgumentException($"'{c.Path}' is already suppressed: publish raw documents only.")));

    private static JsonObject Parse(string json, string name)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new ArgumentException("A figures document is a JSON object.", name);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ArgumentException("A figures document must be valid JSON: " + ex.Message, name, ex);
        }
    }

    private static string? WardCode(JsonObject document) => document["wardCode"]?.GetValue<string>();

    private static string WardScope(string code) => "ward:" + code;
}
