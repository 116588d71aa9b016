using System.Text.Json;
using System.Text.Json.Nodes;
using QpActors.Grains.Interfaces;

namespace QpActors.Grains;

/// <summary>Builds a ward's figures document from the contributions it holds.</summary>
public sealed class WardFiguresBuilder
{
    public string BuildWard(string wardCode, IEnumerable<WardContribution> entries, FiguresQuery query, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(query);
        var list = entries.ToList();
        var children = list.Where(e => e.Kind == ContributionKind.Child).Select(e => ContributionJson.Deserialize<ChildContribution>(e.Payload)).ToList();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var known = children.Count(c => c.KnownFromBirthRecord);
        var registered = children.Count(c => c.KnownFromBirthRecord && c.RegisteredOn is not null);
        var seen = children.Count(c => c.KnownFromBirthRecord && c.LastSeenOn is { } s && s > today.AddYears(-1));
        var unreached = children.Count(c => c.KnownFromBirthRecord && c.RegisteredOn is null && c.LastSeenOn is null);
        var document = new JsonObject
        {
            ["wardCode"] = wardCode,
            ["asOf"] = now,
            ["period"] = query.Period,
            ["reach"] = new JsonObject
            {
                ["known"] = known,
                ["registered"] = registered,
                ["seen12Months"] = seen,
                ["unreached"] = unreached,
            },
        };
        return document.ToJsonString(new JsonSerializerOptions(JsonSerializerDefaults.Web));
    }
}
