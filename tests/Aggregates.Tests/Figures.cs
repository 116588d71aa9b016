using System.Text.Json.Nodes;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>Reading ward figures documents (after <see cref="Cluster.DrainAsync"/> has fed the wards).</summary>
public static class Figures
{
    public static readonly FiguresQuery Default = new("rolling-12-months", null, "default");

    public static async Task<JsonObject> WardAsync(IGrainFactory grains, string ward, FiguresQuery? query = null) =>
        Parse((await grains.GetGrain<IWardGrain>(ward).GetOwnFiguresAsync(query ?? Default)).Document);

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    public static int Count(JsonObject document, string path) => Node(document, path)!.GetValue<int>();

    public static int CountOrZero(JsonObject document, string path) => Node(document, path)?.GetValue<int>() ?? 0;

    public static JsonNode? Node(JsonObject document, string path) =>
        path.Split('.').Aggregate((JsonNode?)document, (node, part) => node?[part]);
}
