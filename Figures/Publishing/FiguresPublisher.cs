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
        "percentages, rates and unit costs recomputed from the rounded counts; secondary suppression across the document's sums and the area's wards.";

    private const string AreaScope = "area";

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

        // A canonical order: the rule breaks ties by position, and a ward must get the same cells hidden whichever
        // ward's or area's request built the table.
        wards = wards.GroupBy(WardCode, StringComparer.Ordinal).Select(g => g.First()).OrderBy(WardCode, StringComparer.Ordinal).ToList();

        DisclosureTable table;
        string scope;
        try
        {
            table = new DisclosureTable();
            if (wards.Count > 0)
            {
                AddWards(table, wards);
            }

            if (isArea && wards.Count == 0)
            {
                AddScope(table, AreaScope, main, Cells(main));
            }

            scope = isArea ? AreaScope : WardScope(WardCode(main)!);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException("The figures are inconsistent and cannot be published safely: " + ex.Message, ex);
        }

        var published = SmallNumberRule.Publish(table);
        var output = main.DeepClone().AsObject();
        var prefix = scope + "/";
        var hidden = published.Suppressed.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k[prefix.Length..]).ToList();
        foreach (var (path, parent, name) in FiguresLayout.CountPaths.SelectMany(p => FiguresLayout.Leaves(output, p)).ToList())
        {
            if (published.Values.TryGetValue(prefix + path, out var value))
            {
                parent[name] = value;
            }
            else
            {
                // A count the table never saw must not leave raw.
                parent[name] = null;
                hidden.Add(path);
            }
        }

        foreach (var (_, parent, name) in FiguresLayout.Leaves(output, "champions.satisfaction.*").ToList())
        {
            if (parent[name] is JsonObject satisfaction && FiguresLayout.Int(satisfaction, "responses") is null)
            {
                satisfaction["average"] = null;
            }
        }

        output["suppressed"] = new JsonArray(hidden.Select(h => (JsonNode?)h).ToArray());
        output["published"] = true;
        output["disclosure"] = RuleDescription;
        return FiguresLayout.Derive(output).ToJsonString(FiguresLayout.JsonOptions);
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
