using System.Diagnostics;
using System.Text.Json.Nodes;
using QpActors.Grains.Interfaces;

namespace QpActors.Aggregates.Tests;

/// <summary>Reading figures documents and waiting, within a deadline, for the feed to deliver.</summary>
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

    /// <summary>Polls until <paramref name="condition"/> holds on the ward's document; fails after the deadline.</summary>
    public static async Task<JsonObject> EventuallyAsync(IGrainFactory grains, string ward, Func<JsonObject, bool> condition, TimeSpan? deadline = null, FiguresQuery? query = null)
    {
        var watch = Stopwatch.StartNew();
        var limit = deadline ?? TimeSpan.FromSeconds(10);
        while (true)
        {
            var document = await WardAsync(grains, ward, query);
            if (condition(document))
            {
                return document;
            }

            Assert.True(watch.Elapsed < limit, $"ward {ward} did not reach the expected figures within {limit}: {document.ToJsonString()}");
            await Task.Delay(25);
        }
    }

    /// <summary>
    /// Waits until the ward's document stops changing for longer than two feed flushes (the cached document is only
    /// rebuilt on a change, so an identical string means nothing arrived in between).
    /// </summary>
    public static async Task SettledAsync(IGrainFactory grains, string ward, TimeSpan? deadline = null)
    {
        var watch = Stopwatch.StartNew();
        var limit = deadline ?? TimeSpan.FromSeconds(20);
        string? last = null;
        var stableSince = watch.Elapsed;
        while (true)
        {
            var document = (await grains.GetGrain<IWardGrain>(ward).GetOwnFiguresAsync(Default)).Document;
            if (document != last)
            {
                last = document;
                stableSince = watch.Elapsed;
            }
            else if (watch.Elapsed - stableSince > TimeSpan.FromMilliseconds(600))
            {
                return;
            }

            Assert.True(watch.Elapsed < limit, $"ward {ward} kept changing for {limit}");
            await Task.Delay(50);
        }
    }
}
